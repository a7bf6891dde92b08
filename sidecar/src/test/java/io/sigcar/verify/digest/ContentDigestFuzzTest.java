package io.sigcar.verify.digest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.sigcar.crypto.Algorithm;
import io.sigcar.crypto.Crypto;
import io.sigcar.crypto.CryptoConfig;
import io.sigcar.reject.Reason;
import io.sigcar.verify.Verdict;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.greenbytes.http.sfv.ByteSequenceItem;
import org.greenbytes.http.sfv.ListElement;
import org.greenbytes.http.sfv.ParseException;
import org.greenbytes.http.sfv.Parser;

/**
 * Fuzzes RFC 9530 Content-Digest checking with the real (native) digests. An input is field lines,
 * an empty line, then the body, so a seed reads as the header and the content it describes.
 *
 * <p>Properties: {@code verify} never throws and never moves the body's indexes; it rejects only
 * with the documented reasons; it accepts exactly when the JDK's own SHA-256/SHA-512 say every
 * supported member matches (and at least one is present); and the field it writes for a body
 * parses and verifies against that body.
 */
class ContentDigestFuzzTest {

    private static final ContentDigest DIGEST = new ContentDigest(Crypto.create(CryptoConfig.defaults()));
    private static final Set<Reason> REASONS = EnumSet.of(Reason.MISSING_DIGEST, Reason.MALFORMED_SIGNATURE,
            Reason.DIGEST_MISMATCH, Reason.UNSUPPORTED_ALGORITHM);

    @FuzzTest(maxDuration = "4m")
    void verify(byte[] data) throws Exception {
        int split = indexOfBlankLine(data);
        String head = new String(data, 0, split < 0 ? data.length : split, StandardCharsets.ISO_8859_1);
        byte[] body = split < 0 ? new byte[0] : Arrays.copyOfRange(data, split + 2, data.length);
        List<String> fieldLines = head.isEmpty() ? List.of() : List.of(head.split("\n", -1));

        ByteBuf buf = Unpooled.wrappedBuffer(body);
        Optional<Verdict.Rejected> result = DIGEST.verify(fieldLines, buf);
        assertEquals(0, buf.readerIndex());
        assertEquals(body.length, buf.writerIndex());
        result.ifPresent(r -> assertTrue(REASONS.contains(r.reason()), r.toString()));
        assertEquals(oracleAccepts(fieldLines, body), result.isEmpty(), () -> "verdict " + result + " for " + fieldLines);

        for (Algorithm alg : List.of(Algorithm.SHA_256, Algorithm.SHA_512)) {
            String written = DIGEST.fieldValue(alg, body);
            assertEquals(Optional.empty(), DIGEST.verify(List.of(written), Unpooled.wrappedBuffer(body)), written);
        }
    }

    /** The rule restated with the JDK's digests: some supported member, and every one present matches. */
    private static boolean oracleAccepts(List<String> fieldLines, byte[] body) throws Exception {
        if (fieldLines.isEmpty()) {
            return false;
        }
        Map<String, ListElement<? extends Object>> members;
        try {
            members = new Parser(fieldLines).parseDictionary().get();
        } catch (ParseException e) {
            return false;
        }
        List<Boolean> matches = new ArrayList<>();
        for (String alg : List.of("sha-256", "sha-512")) {
            ListElement<? extends Object> member = members.get(alg);
            if (member == null) {
                continue;
            }
            if (!(member instanceof ByteSequenceItem item)) {
                return false;
            }
            ByteBuffer sent = item.get().duplicate();
            byte[] bytes = new byte[sent.remaining()];
            sent.get(bytes);
            matches.add(MessageDigest.isEqual(bytes, MessageDigest.getInstance(alg.toUpperCase(java.util.Locale.ROOT))
                    .digest(body)));
        }
        return !matches.isEmpty() && !matches.contains(false);
    }

    private static int indexOfBlankLine(byte[] data) {
        for (int i = 0; i + 1 < data.length; i++) {
            if (data[i] == '\n' && data[i + 1] == '\n') {
                return i;
            }
        }
        return -1;
    }
}
