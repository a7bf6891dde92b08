package io.sigcar.verify.rfc9421;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.sigcar.reject.Reason;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.greenbytes.http.sfv.IntegerItem;
import org.greenbytes.http.sfv.StringItem;

/**
 * Fuzzes the Signature-Input / Signature parser. An input is lines of ISO-8859-1: even lines are
 * Signature-Input field lines, odd lines Signature field lines (so the seeds read as headers).
 *
 * <p>Properties: the only failure is {@link ComponentException} with {@code malformed_signature};
 * what parses re-serialises to a field that parses to the same thing; the typed parameters agree
 * with the raw ones; at most {@link SignatureFields#MAX_SIGNATURES} entries come back.
 */
class SignatureFieldsFuzzTest {

    @FuzzTest(maxDuration = "4m")
    void parse(byte[] data) {
        List<String> inputs = new ArrayList<>();
        List<String> signatures = new ArrayList<>();
        String[] lines = new String(data, StandardCharsets.ISO_8859_1).split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            (i % 2 == 0 ? inputs : signatures).add(lines[i]);
        }
        Map<String, SignatureFields.Entry> entries;
        try {
            entries = SignatureFields.parse(inputs, signatures);
        } catch (ComponentException e) {
            assertEquals(Reason.MALFORMED_SIGNATURE, e.reason(), e.getMessage());
            return;
        }
        assertTrue(entries.size() <= SignatureFields.MAX_SIGNATURES, "entries: " + entries.size());
        for (SignatureFields.Entry entry : entries.values()) {
            reparsesEqual(entry);
            paramsAgree(entry);
            try {
                List<StringItem> components = SignatureBase.components(entry.input());
                assertEquals(entry.input().get().size(), components.size());
            } catch (ComponentException e) {
                assertEquals(Reason.MALFORMED_SIGNATURE, e.reason(), e.getMessage());
            }
        }
    }

    /** parse(serialize(x)) == x, compared through the canonical serialisation and the raw bytes. */
    private static void reparsesEqual(SignatureFields.Entry entry) {
        String input = entry.label() + "=" + entry.input().serialize();
        // Without a signature, pair the input with another label's, as a request must carry the field.
        List<String> signature = entry.signature() == null ? List.of("x" + entry.label() + "=:AA==:")
                : List.of(entry.label() + "=:" + java.util.Base64.getEncoder().encodeToString(entry.signature()) + ":");
        Map<String, SignatureFields.Entry> again;
        try {
            again = SignatureFields.parse(List.of(input), signature);
        } catch (ComponentException e) {
            throw new AssertionError("re-serialised " + input + " does not parse: " + e.getMessage(), e);
        }
        SignatureFields.Entry back = again.get(entry.label());
        assertEquals(entry.input().serialize(), back.input().serialize());
        if (entry.signature() == null) {
            assertEquals(null, back.signature());
        } else {
            assertArrayEquals(entry.signature(), back.signature());
        }
    }

    private static void paramsAgree(SignatureFields.Entry entry) {
        Params params;
        try {
            params = Params.of(entry.input());
        } catch (ComponentException e) {
            assertEquals(Reason.MALFORMED_SIGNATURE, e.reason(), e.getMessage());
            return;
        }
        var raw = entry.input().getParams();
        if (params.created() != null) {
            assertEquals(params.created(), assertInstanceOf(IntegerItem.class, raw.get("created")).get());
        }
        if (params.keyId() != null) {
            assertEquals(params.keyId(), assertInstanceOf(StringItem.class, raw.get("keyid")).get());
        }
        assertEquals(params.nonce() == null, !raw.containsKey("nonce"));
    }
}
