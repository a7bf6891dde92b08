package io.sigcar.verify.rfc9421;

import io.sigcar.reject.Reason;

/**
 * Why a signature base could not be built: a covered component is absent, or its identifier
 * is one this verifier refuses. Carries the stable reason so the verifier maps it in one place.
 */
public final class ComponentException extends Exception {

    private static final long serialVersionUID = 1L;

    private final transient Reason reason;

    ComponentException(Reason reason, String detail) {
        super(detail, null, false, false);
        this.reason = reason;
    }

    static ComponentException malformed(String detail) {
        return new ComponentException(Reason.MALFORMED_SIGNATURE, detail);
    }

    static ComponentException missing(String detail) {
        return new ComponentException(Reason.MISSING_COMPONENT, detail);
    }

    public Reason reason() {
        return reason;
    }
}
