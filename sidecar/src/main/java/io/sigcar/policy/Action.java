package io.sigcar.policy;

/** What a route does with a matching request. */
public enum Action {
    /** Forward only when a signature verifies (the default: fail closed). */
    VERIFY,
    /** Forward without verification, e.g. health checks. */
    ALLOW,
    /** Refuse with 403. */
    DENY;

    public String id() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
