package io.sigcar.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Every provider reproduces the published vectors, and a provider that is wrong is caught. */
class KnownAnswersTest {

    @Test
    void everyProviderPassesEveryVectorItSupports() {
        Crypto crypto = Crypto.create(CryptoConfig.defaults());
        assertTrue(crypto.nativeStatus().loaded(), crypto.nativeStatus().failure());
        int checked = 0;
        for (CryptoProvider p : crypto.availableProviders()) {
            for (KnownAnswers.Result r : KnownAnswers.check(p)) {
                assertTrue(r.passed(), r.provider() + " " + r.vector().name() + ": " + r.detail());
                checked++;
            }
        }
        // native 7 + jdk 4 (no BLAKE3) + bouncycastle 7
        assertEquals(18, checked);
    }

    @Test
    void aWrongProviderFails() {
        // The same provider with its output corrupted: the check must notice.
        CryptoProvider bc = new BouncyCastleProvider();
        CryptoProvider broken = new CryptoProvider() {
            @Override public String name() { return "broken"; }
            @Override public boolean supports(Algorithm a) { return a == Algorithm.SHA_256; }
            @Override public MacKey macKey(Algorithm a, byte[] key) { throw new UnsupportedOperationException(); }
            @Override public Hasher digest(Algorithm a) { return bc.digest(a); }
            @Override public void digest(Algorithm a, byte[] in, int off, int len, byte[] out, int outOff) {
                bc.digest(a, in, off, len, out, outOff);
                out[outOff] ^= 1;
            }
            @Override public void digest(Algorithm a, java.nio.ByteBuffer in, byte[] out, int outOff) {
                throw new UnsupportedOperationException();
            }
            @Override public boolean equal(byte[] a, byte[] b) { return bc.equal(a, b); }
        };
        List<KnownAnswers.Result> results = KnownAnswers.check(broken);
        assertEquals(1, results.size());
        assertFalse(results.getFirst().passed());
    }
}
