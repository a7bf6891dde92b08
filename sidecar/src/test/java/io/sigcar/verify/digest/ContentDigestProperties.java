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
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.greenbytes.http.sfv.ByteSequenceItem;
import org.greenbytes.http.sfv.Parser;

/**
 * parse(serialize(x)) == x for the Content-Digest field we write: one member named for the
 * algorithm whose bytes are the JDK's digest of the body; it verifies against that body, and a
 * one-byte change to the body makes it a digest_mismatch.
 */
class ContentDigestProperties {

    private static final ContentDigest DIGEST = new ContentDigest(Crypto.create(CryptoConfig.defaults()));

    @Property(tries = 300)
    void fieldValueRoundTrips(@ForAll @Size(max = 1024) byte[] body, @ForAll boolean sha512, @ForAll int position)
            throws Exception {
        Algorithm alg = sha512 ? Algorithm.SHA_512 : Algorithm.SHA_256;
        String field = DIGEST.fieldValue(alg, body);

        var members = Parser.parseDictionary(field).get();
        assertEquals(List.of(alg.id()), List.copyOf(members.keySet()));
        ByteBuffer sent = ((ByteSequenceItem) members.get(alg.id())).get().duplicate();
        byte[] bytes = new byte[sent.remaining()];
        sent.get(bytes);
        assertArrayEquals(MessageDigest.getInstance(alg.id().toUpperCase(Locale.ROOT)).digest(body), bytes);
        assertEquals(field, Parser.parseDictionary(field).serialize());

        assertEquals(Optional.empty(), DIGEST.verify(List.of(field), Unpooled.wrappedBuffer(body)));
        if (body.length > 0) {
            byte[] changed = body.clone();
            changed[Math.floorMod(position, changed.length)] ^= 0x01;
            assertEquals(Reason.DIGEST_MISMATCH,
                    DIGEST.verify(List.of(field), Unpooled.wrappedBuffer(changed)).orElseThrow().reason());
        }
    }
}
