package io.sigcar.crypto;

/**
 * A key was closed (a key reload retired it) before or while it was used. Its own type, so the
 * verifiers can tell this expected race from a failing crypto call, which throws a plain
 * {@link IllegalStateException}: the race is retried against the new key set, the failure is not.
 */
public final class KeyClosedException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    public KeyClosedException(String message) {
        super(message);
    }
}
