package io.sigcar.verify.digest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.Unpooled;
import io.sigcar.crypto.Algorithm;
import io.sigcar.crypto.Crypto;
import io.sigcar.crypto.CryptoConfig;
import io.sigcar.reject.Reason;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.SplittableRandom;
import org.greenbytes.http.sfv.ByteSequenceItem;
import org.greenbytes.http.sfv.Parser;
import org.junit.jupiter.api.Test;

/**
 * parse(serialize(x)) == x for the Content-Digest field we write: one member named for the
 * algorithm whose bytes are the JDK's digest of the body; it verifies against that body, and a
 * one-byte change to the body makes it a digest_mismatch.
 *
 * <p>Seeded property test: each run draws a fresh seed unless {@code -Dsigcar.property.seed=N} is
 * given; every failure message names the seed and the try, so a failing run replays exactly.
 */
class ContentDigestPropertyTest {

    private static final long SEED = seed();
    private static final ContentDigest DIGEST = new ContentDigest(Crypto.create(CryptoConfig.defaults()));

    @Test
    void fieldValueRoundTrips() throws Exception {
        SplittableRandom random = new SplittableRandom(SEED);
        for (int i = 0; i < 300; i++) {
            byte[] body = new byte[size(random, 0, 1024)];
            random.nextBytes(body);
            Algorithm alg = random.nextBoolean() ? Algorithm.SHA_512 : Algorithm.SHA_256;
            int position = body.length == 0 ? 0 : random.nextInt(body.length);
            String at = "seed " + SEED + ", try " + i + " (replay with -Dsigcar.property.seed=" + SEED + "): " + alg
                    + ", change at " + position + ", body(" + body.length + ")=" + Base64.getEncoder().encodeToString(body);
            try {
                roundTrips(body, alg, position, at);
            } catch (Exception e) {
                throw new AssertionError(at + "\n" + e, e);
            }
        }
    }

    private static void roundTrips(byte[] body, Algorithm alg, int position, String at) throws Exception {
        String field = DIGEST.fieldValue(alg, body);
        String sent = at + "\nContent-Digest: " + field;

        var members = Parser.parseDictionary(field).get();
        assertEquals(List.of(alg.id()), List.copyOf(members.keySet()), sent);
        ByteBuffer item = ((ByteSequenceItem) members.get(alg.id())).get().duplicate();
        byte[] bytes = new byte[item.remaining()];
        item.get(bytes);
        assertArrayEquals(MessageDigest.getInstance(alg.id().toUpperCase(Locale.ROOT)).digest(body), bytes, sent);
        assertEquals(field, Parser.parseDictionary(field).serialize(), sent);

        assertEquals(Optional.empty(), DIGEST.verify(List.of(field), Unpooled.wrappedBuffer(body)), sent);
        if (body.length > 0) {
            byte[] changed = body.clone();
            changed[position] ^= 0x01;
            assertEquals(Reason.DIGEST_MISMATCH,
                    DIGEST.verify(List.of(field), Unpooled.wrappedBuffer(changed)).orElseThrow().reason(), sent);
        }
    }

    private static long seed() {
        String given = System.getProperty("sigcar.property.seed");
        return given == null || given.isBlank() ? new SplittableRandom().nextLong() : Long.parseLong(given.strip());
    }

    /** A size in [min, max], the bounds themselves taken one time in ten each (edge cases). */
    private static int size(SplittableRandom random, int min, int max) {
        return switch (random.nextInt(10)) {
            case 0 -> min;
            case 1 -> max;
            default -> random.nextInt(min, max + 1);
        };
    }
}
