package io.sigcar.crypto;

import java.nio.ByteBuffer;
import java.security.DigestException;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import javax.crypto.Mac;
import javax.crypto.ShortBufferException;
import javax.crypto.spec.SecretKeySpec;

/**
 * The JDK's own {@code Mac} and {@code MessageDigest}: HotSpot compiles SHA-256 to SHA-NI
 * instructions where the CPU has them, so it is a real contender for HMAC. No BLAKE3.
 */
final class JdkProvider extends JavaProvider {

    static final String NAME = "jdk";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean supports(Algorithm algorithm) {
        return algorithm != Algorithm.BLAKE3_KEYED;
    }

    @Override
    JavaEngine macEngine(Algorithm algorithm, byte[] key) {
        if (algorithm != Algorithm.HMAC_SHA256) {
            throw new IllegalArgumentException(NAME + " provider does not implement " + algorithm);
        }
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return new MacEngine(mac);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK cannot prepare an HmacSHA256 key", e);
        }
    }

    @Override
    JavaEngine digestEngine(Algorithm algorithm) {
        String jdkName = switch (algorithm) {
            case SHA_256 -> "SHA-256";
            case SHA_512 -> "SHA-512";
            default -> throw new IllegalArgumentException(algorithm + " is not a digest");
        };
        try {
            return new DigestEngine(MessageDigest.getInstance(jdkName));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks " + jdkName, e);
        }
    }

    @Override
    public boolean equal(byte[] a, byte[] b) {
        return MessageDigest.isEqual(a, b);
    }

    private record MacEngine(Mac mac) implements JavaEngine {
        @Override
        public void update(byte[] in, int off, int len) {
            mac.update(in, off, len);
        }

        @Override
        public void update(ByteBuffer in) {
            mac.update(in);
        }

        @Override
        public void doFinal(byte[] out, int outOff) {
            try {
                mac.doFinal(out, outOff);
            } catch (ShortBufferException e) {
                throw new IndexOutOfBoundsException(e.getMessage());
            }
        }

        @Override
        public void reset() {
            mac.reset();
        }
    }

    private record DigestEngine(MessageDigest digest) implements JavaEngine {
        @Override
        public void update(byte[] in, int off, int len) {
            digest.update(in, off, len);
        }

        @Override
        public void update(ByteBuffer in) {
            digest.update(in);
        }

        @Override
        public void doFinal(byte[] out, int outOff) {
            try {
                digest.digest(out, outOff, digest.getDigestLength());
            } catch (DigestException e) {
                throw new IndexOutOfBoundsException(e.getMessage());
            }
        }

        @Override
        public void reset() {
            digest.reset();
        }
    }
}
