package io.sigcar.reject;

/**
 * A stage's refusal travelling through a failed Vert.x future: carries the reason and
 * whether the connection must close. No stack trace: it is an outcome, not a bug.
 */
public final class Rejection extends RuntimeException {

    @java.io.Serial
    private static final long serialVersionUID = 1L;

    private final transient Reason reason;
    private final boolean closeConnection;

    public Rejection(Reason reason, String detail, boolean closeConnection) {
        super(reason.code() + (detail == null || detail.isEmpty() ? "" : ": " + detail), null, false, false);
        this.reason = reason;
        this.closeConnection = closeConnection;
    }

    public Reason reason() {
        return reason;
    }

    public boolean closeConnection() {
        return closeConnection;
    }
}
