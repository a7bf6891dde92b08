package io.sigcar.verify.rfc9421;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.sigcar.reject.Reason;
import io.sigcar.verify.FuzzRequest;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.greenbytes.http.sfv.StringItem;

/**
 * Fuzzes the signature-base builder over a whole request (see {@link FuzzRequest} for the input
 * shape; the request's own Signature-Input gives the covered components).
 *
 * <p>Properties: the only failure is {@link ComponentException} with {@code malformed_signature} or
 * {@code missing_component}; a base has one line per component, in order, each starting with the
 * component's serialised identifier, then the {@code @signature-params} line, which is exactly the
 * serialised inner list; no value adds a line (no CR or LF inside one); building is deterministic.
 */
class SignatureBaseFuzzTest {

    private static final Set<Reason> BUILD_FAILURES = EnumSet.of(Reason.MALFORMED_SIGNATURE, Reason.MISSING_COMPONENT);

    @FuzzTest(maxDuration = "4m")
    void build(byte[] data) {
        FuzzRequest request = FuzzRequest.parse(data, Instant.EPOCH);
        Map<String, SignatureFields.Entry> entries;
        try {
            entries = SignatureFields.parse(request.headerValues("signature-input"), request.headerValues("signature"));
        } catch (ComponentException e) {
            return;
        }
        Message message = Message.of(request);
        for (SignatureFields.Entry entry : entries.values()) {
            String base;
            try {
                base = SignatureBase.build(entry.input(), message);
            } catch (ComponentException e) {
                assertTrue(BUILD_FAILURES.contains(e.reason()), e.reason() + ": " + e.getMessage());
                continue;
            }
            List<StringItem> components;
            try {
                components = SignatureBase.components(entry.input());
            } catch (ComponentException e) {
                throw new AssertionError("build accepted components that components() refuses", e);
            }
            assertFalse(base.indexOf('\r') >= 0, "CR in base");
            String[] lines = base.split("\n", -1);
            assertEquals(components.size() + 1, lines.length, base);
            for (int i = 0; i < components.size(); i++) {
                assertTrue(lines[i].startsWith(components.get(i).serialize() + ": "), lines[i]);
            }
            assertEquals("\"@signature-params\": " + entry.input().serialize(), lines[components.size()]);
            try {
                assertEquals(base, SignatureBase.build(entry.input(), message), "not deterministic");
            } catch (ComponentException e) {
                throw new AssertionError("second build failed", e);
            }
        }
    }
}
