package io.sigcar.verify.digest;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.sigcar.crypto.Algorithm;
import io.sigcar.crypto.ByteBufs;
import io.sigcar.crypto.CryptoProvider;
import io.sigcar.reject.Reason;
import io.sigcar.verify.Verdict;
import io.sigcar.verify.sfv.Dictionaries;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.greenbytes.http.sfv.ByteSequenceItem;
import org.greenbytes.http.sfv.Dictionary;
import org.greenbytes.http.sfv.ListElement;
import org.greenbytes.http.sfv.ParseException;

/**
 * RFC 9530 {@code Content-Digest}: checks the field against the body bytes actually received,
 * and produces the field for signers.
 *
 * <p>Only sha-256 and sha-512 are accepted: the RFC marks md5, sha, unixsum and unixcksum
 * insecure, so they are ignored like any algorithm we do not know. Every supported digest
 * present must match, so a sender cannot pair one right digest with a wrong one.
 */
public final class ContentDigest {

    /** The field name, lower-case as {@link io.sigcar.verify.SignedRequest#headerValues} wants it. */
    public static final String FIELD = "content-digest";

    private static final List<Algorithm> SUPPORTED = List.of(Algorithm.SHA_256, Algorithm.SHA_512);

    private final CryptoProvider crypto;

    public ContentDigest(CryptoProvider crypto) {
        this.crypto = Objects.requireNonNull(crypto, "crypto");
    }

    /**
     * Checks every value of the field against {@code body} (readable bytes; indexes untouched).
     *
     * @return empty when the digests match, else why not
     */
    public Optional<Verdict.Rejected> verify(List<String> fieldValues, ByteBuf body) {
        if (fieldValues.isEmpty()) {
            return reject(Reason.MISSING_DIGEST, "no Content-Digest field");
        }
        Map<String, ListElement<? extends Object>> members;
        try {
            members = Dictionaries.parse(fieldValues);
        } catch (ParseException e) {
            return reject(Reason.MALFORMED_SIGNATURE, "Content-Digest is not a structured dictionary: "
                    + e.getMessage());
        }
        int checked = 0;
        for (Algorithm algorithm : SUPPORTED) {
            ListElement<? extends Object> member = members.get(algorithm.id());
            if (member == null) {
                continue;
            }
            if (!(member instanceof ByteSequenceItem item)) {
                return reject(Reason.MALFORMED_SIGNATURE, "Content-Digest " + algorithm.id()
                        + " is not a byte sequence");
            }
            byte[] expected = bytes(item.get());
            byte[] actual = new byte[algorithm.outputLength()];
            ByteBufs.digest(crypto, algorithm, body, actual, 0);
            if (!crypto.equal(expected, actual)) {
                return reject(Reason.DIGEST_MISMATCH, "Content-Digest " + algorithm.id()
                        + " does not match the " + body.readableBytes() + "-byte body");
            }
            checked++;
        }
        if (checked == 0) {
            return reject(Reason.UNSUPPORTED_ALGORITHM, "Content-Digest has none of the supported algorithms "
                    + "sha-256, sha-512 (got " + String.join(", ", members.keySet()) + ")");
        }
        return Optional.empty();
    }

    /** The field value for {@code body} with one digest, e.g. {@code sha-256=:X48E...=:}. */
    public String fieldValue(Algorithm algorithm, ByteBuf body) {
        if (!SUPPORTED.contains(algorithm)) {
            throw new IllegalArgumentException("Content-Digest supports sha-256 and sha-512, not " + algorithm);
        }
        byte[] digest = new byte[algorithm.outputLength()];
        ByteBufs.digest(crypto, algorithm, body, digest, 0);
        Map<String, ListElement<? extends Object>> member = new LinkedHashMap<>();
        member.put(algorithm.id(), ByteSequenceItem.valueOf(digest));
        return Dictionary.valueOf(member).serialize();
    }

    /** As {@link #fieldValue(Algorithm, ByteBuf)} for a byte array. */
    public String fieldValue(Algorithm algorithm, byte[] body) {
        return fieldValue(algorithm, Unpooled.wrappedBuffer(body));
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer view = buffer.duplicate();
        byte[] out = new byte[view.remaining()];
        view.get(out);
        return out;
    }

    private static Optional<Verdict.Rejected> reject(Reason reason, String detail) {
        return Optional.of(new Verdict.Rejected(reason, detail));
    }
}
