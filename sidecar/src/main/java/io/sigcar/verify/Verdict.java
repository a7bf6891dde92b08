package io.sigcar.verify;

import io.sigcar.crypto.Algorithm;
import io.sigcar.reject.Reason;
import io.sigcar.verify.replay.Claim;
import java.util.List;

/** The outcome of verifying one request. */
public sealed interface Verdict {

    /**
     * The request verified: who signed it, how, and the uses of nonces or webhook ids that a
     * shared replay store must still accept (the local table has).
     */
    record Verified(String keyId, String scheme, Algorithm algorithm, List<Claim> claims) implements Verdict {
        public Verified {
            claims = List.copyOf(claims);
        }

        public Verified(String keyId, String scheme, Algorithm algorithm) {
            this(keyId, scheme, algorithm, List.of());
        }

        public Verified withClaims(List<Claim> more) {
            List<Claim> all = new java.util.ArrayList<>(claims);
            all.addAll(more);
            return new Verified(keyId, scheme, algorithm, all);
        }
    }

    /**
     * The request is refused. {@code detail} is for the operator's log only (never sent to
     * the client, never a secret, signature or body).
     */
    record Rejected(Reason reason, String detail) implements Verdict {}

    static Verdict reject(Reason reason, String detail) {
        return new Rejected(reason, detail);
    }
}
