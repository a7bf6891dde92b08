package io.sigcar.verify.rfc9421;

import io.sigcar.verify.sfv.Dictionaries;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.greenbytes.http.sfv.ByteSequenceItem;
import org.greenbytes.http.sfv.InnerList;
import org.greenbytes.http.sfv.ListElement;
import org.greenbytes.http.sfv.ParseException;

/**
 * The {@code Signature-Input} and {@code Signature} dictionaries of one request, paired by label.
 * Several field lines of either combine into one dictionary, as RFC 8941 §3.2 says.
 */
final class SignatureFields {

    /** More signatures than any real signer sends; each costs a MAC, so a flood is refused unread. */
    static final int MAX_SIGNATURES = 16;

    /** One labelled signature: its parsed parameters and, when present, its signature bytes. */
    record Entry(String label, InnerList input, byte[] signature) {}

    private SignatureFields() {}

    /** Pairs the labels; entries keep Signature-Input's order. */
    static Map<String, Entry> parse(List<String> inputValues, List<String> signatureValues)
            throws ComponentException {
        Map<String, ListElement<? extends Object>> inputs = dictionary("Signature-Input", inputValues);
        Map<String, ListElement<? extends Object>> signatures = dictionary("Signature", signatureValues);
        if (inputs.size() > MAX_SIGNATURES) {
            throw ComponentException.malformed("Signature-Input has " + inputs.size()
                    + " signatures; at most " + MAX_SIGNATURES + " are read");
        }
        Map<String, Entry> entries = new LinkedHashMap<>();
        for (Map.Entry<String, ListElement<? extends Object>> member : inputs.entrySet()) {
            String label = member.getKey();
            if (!(member.getValue() instanceof InnerList input)) {
                throw ComponentException.malformed("Signature-Input " + label + " is not an inner list");
            }
            ListElement<? extends Object> signature = signatures.get(label);
            byte[] bytes = null;
            if (signature != null) {
                if (!(signature instanceof ByteSequenceItem item)) {
                    throw ComponentException.malformed("Signature " + label + " is not a byte sequence");
                }
                bytes = bytes(item.get());
            }
            entries.put(label, new Entry(label, input, bytes));
        }
        return entries;
    }

    private static Map<String, ListElement<? extends Object>> dictionary(String field, List<String> values)
            throws ComponentException {
        try {
            return Dictionaries.parse(values);
        } catch (ParseException e) {
            throw ComponentException.malformed(field + " is not a structured dictionary: " + e.getMessage());
        }
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer view = buffer.duplicate();
        byte[] out = new byte[view.remaining()];
        view.get(out);
        return out;
    }
}
