package io.sigcar.verify.rfc9421;

import io.sigcar.verify.sfv.Dictionaries;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.greenbytes.http.sfv.BooleanItem;
import org.greenbytes.http.sfv.Item;
import org.greenbytes.http.sfv.ListElement;
import org.greenbytes.http.sfv.Parameters;
import org.greenbytes.http.sfv.ParseException;
import org.greenbytes.http.sfv.Parser;
import org.greenbytes.http.sfv.StringItem;
import org.greenbytes.http.sfv.Type;

/**
 * Component values of HTTP fields (RFC 9421 §2.1): the plain normalised value, or with the
 * {@code sf}, {@code key} and {@code bs} parameters. {@code req} and {@code tr} are refused: this
 * verifier sees requests only, and the proxy does not read trailers.
 */
final class FieldValues {

    /** Structured types of the fields a signer is likely to cover with {@code sf} (RFC 8941 §1.2). */
    private enum SfType { DICTIONARY, LIST }

    private static final Map<String, SfType> KNOWN_TYPES = Map.ofEntries(
            Map.entry("content-digest", SfType.DICTIONARY),
            Map.entry("repr-digest", SfType.DICTIONARY),
            Map.entry("want-content-digest", SfType.DICTIONARY),
            Map.entry("want-repr-digest", SfType.DICTIONARY),
            Map.entry("signature", SfType.DICTIONARY),
            Map.entry("signature-input", SfType.DICTIONARY),
            Map.entry("accept-signature", SfType.DICTIONARY),
            Map.entry("priority", SfType.DICTIONARY),
            Map.entry("cache-status", SfType.LIST),
            Map.entry("proxy-status", SfType.LIST),
            Map.entry("accept-ch", SfType.LIST),
            Map.entry("cdn-loop", SfType.LIST));

    private FieldValues() {}

    /** Appends the component value of field {@code name} to {@code out}. */
    static void write(String name, Parameters params, Message message, StringBuilder out) throws ComponentException {
        if (params.isEmpty()) {
            // The common case: the plain value, with nothing to check or parse.
            joined(present(name, message.headerValues(name)), false, out);
            return;
        }
        boolean sf = flag(name, params, "sf");
        boolean bs = flag(name, params, "bs");
        String key = null;
        for (String param : params.keySet()) {
            switch (param) {
                case "sf", "bs" -> { }
                case "key" -> {
                    if (!(params.get("key") instanceof StringItem s)) {
                        throw ComponentException.malformed("\"" + name + "\";key must be a string");
                    }
                    key = s.get();
                }
                case "req" -> throw ComponentException.malformed("\"" + name
                        + "\";req binds a response to its request; only requests are verified here");
                case "tr" -> throw ComponentException.malformed("\"" + name + "\";tr covers a trailer;"
                        + " trailers are not signed material here");
                default -> throw ComponentException.malformed("\"" + name + "\" has unknown parameter " + param);
            }
        }
        if (bs && (sf || key != null)) {
            throw ComponentException.malformed("\"" + name + "\" combines bs with sf or key");
        }
        List<String> values = present(name, message.headerValues(name));
        if (key != null) {
            dictionaryMember(name, key, values, out);
        } else if (sf) {
            structured(name, values, out);
        } else {
            joined(values, bs, out);
        }
    }

    /**
     * The field lines trimmed (as base64 byte sequences with {@code bs}) and joined with
     * {@code ", "}; a separator is written only after some value text, as it always was here.
     */
    private static void joined(List<String> values, boolean bs, StringBuilder out) {
        int start = out.length();
        for (int i = 0; i < values.size(); i++) {
            if (out.length() > start) {
                out.append(", ");
            }
            String v = values.get(i);
            int from = owsBefore(v);
            int to = owsAfter(v, from);
            if (bs) {
                out.append(':').append(Base64.getEncoder().encodeToString(
                        v.substring(from, to).getBytes(StandardCharsets.ISO_8859_1))).append(':');
            } else {
                out.append(v, from, to);
            }
        }
    }

    private static List<String> present(String name, List<String> values) throws ComponentException {
        if (values.isEmpty()) {
            throw ComponentException.missing("covered field " + name + " is not in the request");
        }
        return values;
    }

    private static boolean flag(String name, Parameters params, String flag) throws ComponentException {
        Item<? extends Object> value = params.get(flag);
        if (value == null) {
            return false;
        }
        if (value instanceof BooleanItem b && b.get()) {
            return true;
        }
        throw ComponentException.malformed("\"" + name + "\";" + flag + " must be a bare true flag");
    }

    private static void dictionaryMember(String name, String key, List<String> values, StringBuilder out)
            throws ComponentException {
        Map<String, ListElement<? extends Object>> members;
        try {
            members = Dictionaries.parse(values);
        } catch (ParseException e) {
            throw ComponentException.malformed("field " + name + " is not a structured dictionary");
        }
        ListElement<? extends Object> member = members.get(key);
        if (member == null) {
            throw ComponentException.missing("field " + name + " has no member " + key);
        }
        member.serializeTo(out);
    }

    /**
     * Re-serialises a structured field. Fields not in our table are tried as a List first, which
     * keeps every member, and only then as a Dictionary, so duplicates are not silently merged.
     */
    private static void structured(String name, List<String> values, StringBuilder out) throws ComponentException {
        SfType type = KNOWN_TYPES.get(name);
        try {
            Type<? extends Object> parsed = switch (type == null ? SfType.LIST : type) {
                case DICTIONARY -> new Parser(values).parseDictionary();
                case LIST -> new Parser(values).parseList();
            };
            parsed.serializeTo(out);
            return;
        } catch (ParseException e) {
            if (type == null) {
                try {
                    new Parser(values).parseDictionary().serializeTo(out);
                    return;
                } catch (ParseException _) {
                    // Neither shape: reported below as the field not being structured at all.
                }
            }
            throw ComponentException.malformed("field " + name + " is covered with sf but is not a structured field");
        }
    }

    /** Where a value starts once the optional whitespace HTTP allows around it is dropped (RFC 9110 §5.5). */
    private static int owsBefore(String value) {
        int start = 0;
        while (start < value.length() && isOws(value.charAt(start))) {
            start++;
        }
        return start;
    }

    /** Where a value starting at {@code start} ends once trailing optional whitespace is dropped. */
    private static int owsAfter(String value, int start) {
        int end = value.length();
        while (end > start && isOws(value.charAt(end - 1))) {
            end--;
        }
        return end;
    }

    private static boolean isOws(char c) {
        return c == ' ' || c == '\t';
    }
}
