package io.sigcar.verify;

import io.sigcar.crypto.Algorithm;
import io.sigcar.reject.Reason;

/** The outcome of verifying one request. */
public sealed interface Verdict {

    /** The request verified: who signed it, how. */
    record Verified(String keyId, String scheme, Algorithm algorithm) implements Verdict {}

    /**
     * The request is refused. {@code detail} is for the operator's log only (never sent to
     * the client, never a secret, signature or body).
     */
    record Rejected(Reason reason, String detail) implements Verdict {}

    static Verdict reject(Reason reason, String detail) {
        return new Rejected(reason, detail);
    }
}
