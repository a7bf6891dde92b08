package io.sigcar.crypto;

import java.nio.ByteBuffer;
import org.bouncycastle.crypto.Digest;
import org.bouncycastle.crypto.Mac;
import org.bouncycastle.crypto.digests.Blake3Digest;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.digests.SHA512Digest;
import org.bouncycastle.crypto.macs.HMac;
import org.bouncycastle.crypto.params.Blake3Parameters;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.util.Arrays;

/**
 * Pure-Java provider over Bouncy Castle's lightweight API: the fallback where libsigcar
 * cannot load, and the independent oracle the native provider is tested against.
 */
final class BouncyCastleProvider extends JavaProvider {

    static final String NAME = "bouncycastle";
    private static final int SCRATCH = 8192;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean supports(Algorithm algorithm) {
        return true;
    }

    @Override
    JavaEngine macEngine(Algorithm algorithm, byte[] key) {
        return switch (algorithm) {
            case HMAC_SHA256 -> {
                HMac mac = new HMac(new SHA256Digest());
                mac.init(new KeyParameter(key));
                yield new MacEngine(mac);
            }
            case BLAKE3_KEYED -> {
                Blake3Digest digest = new Blake3Digest(algorithm.outputLength() * 8);
                digest.init(Blake3Parameters.key(key));
                yield new DigestEngine(digest);
            }
            default -> throw new IllegalArgumentException(algorithm + " is not a MAC");
        };
    }

    @Override
    JavaEngine digestEngine(Algorithm algorithm) {
        return switch (algorithm) {
            case SHA_256 -> new DigestEngine(new SHA256Digest());
            case SHA_512 -> new DigestEngine(new SHA512Digest());
            default -> throw new IllegalArgumentException(algorithm + " is not a digest");
        };
    }

    @Override
    public boolean equal(byte[] a, byte[] b) {
        return Arrays.constantTimeAreEqual(a, b);
    }

    /** The shared part of both engine kinds: Bouncy Castle takes arrays, so buffers go through a scratch array. */
    private abstract static class ArrayEngine implements JavaEngine {
        private byte[] scratch;

        @Override
        public final void update(ByteBuffer in) {
            if (scratch == null) {
                scratch = new byte[SCRATCH];
            }
            JavaEngine.updateViaArray(this, in, scratch);
        }
    }

    private static final class MacEngine extends ArrayEngine {
        private final Mac mac;

        MacEngine(Mac mac) {
            this.mac = mac;
        }

        @Override
        public void update(byte[] in, int off, int len) {
            mac.update(in, off, len);
        }

        @Override
        public void doFinal(byte[] out, int outOff) {
            mac.doFinal(out, outOff);
        }

        @Override
        public void reset() {
            mac.reset();
        }
    }

    /** Also serves keyed BLAKE3, whose reset() returns to the keyed start state. */
    private static final class DigestEngine extends ArrayEngine {
        private final Digest digest;

        DigestEngine(Digest digest) {
            this.digest = digest;
        }

        @Override
        public void update(byte[] in, int off, int len) {
            digest.update(in, off, len);
        }

        @Override
        public void doFinal(byte[] out, int outOff) {
            digest.doFinal(out, outOff);
        }

        @Override
        public void reset() {
            digest.reset();
        }
    }
}
