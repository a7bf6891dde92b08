package io.sigcar.verify.rfc9421;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.greenbytes.http.sfv.BooleanItem;
import org.greenbytes.http.sfv.Item;
import org.greenbytes.http.sfv.ListElement;
import org.greenbytes.http.sfv.ParseException;
import org.greenbytes.http.sfv.Parameters;
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

    static String value(String name, Parameters params, Message message) throws ComponentException {
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
        List<String> values = message.headerValues(name);
        if (values.isEmpty()) {
            throw ComponentException.missing("covered field " + name + " is not in the request");
        }
        if (key != null) {
            return dictionaryMember(name, key, values);
        }
        if (sf) {
            return structured(name, values);
        }
        StringBuilder out = new StringBuilder();
        for (String v : values) {
            if (!out.isEmpty()) {
                out.append(", ");
            }
            if (bs) {
                out.append(':').append(Base64.getEncoder().encodeToString(
                        trim(v).getBytes(StandardCharsets.ISO_8859_1))).append(':');
            } else {
                out.append(trim(v));
            }
        }
        return out.toString();
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

    private static String dictionaryMember(String name, String key, List<String> values) throws ComponentException {
        Map<String, ListElement<? extends Object>> members;
        try {
            members = new Parser(values).parseDictionary().get();
        } catch (ParseException e) {
            throw ComponentException.malformed("field " + name + " is not a structured dictionary");
        }
        ListElement<? extends Object> member = members.get(key);
        if (member == null) {
            throw ComponentException.missing("field " + name + " has no member " + key);
        }
        return member.serialize();
    }

    /**
     * Re-serialises a structured field. Fields not in our table are tried as a List first, which
     * keeps every member, and only then as a Dictionary, so duplicates are not silently merged.
     */
    private static String structured(String name, List<String> values) throws ComponentException {
        SfType type = KNOWN_TYPES.get(name);
        try {
            Type<? extends Object> parsed = switch (type == null ? SfType.LIST : type) {
                case DICTIONARY -> new Parser(values).parseDictionary();
                case LIST -> new Parser(values).parseList();
            };
            return parsed.serialize();
        } catch (ParseException e) {
            if (type == null) {
                try {
                    return new Parser(values).parseDictionary().serialize();
                } catch (ParseException _) {
                    // Neither shape: reported below as the field not being structured at all.
                }
            }
            throw ComponentException.malformed("field " + name + " is covered with sf but is not a structured field");
        }
    }

    /** Strips the optional whitespace HTTP allows around a field value (RFC 9110 §5.5). */
    static String trim(String value) {
        int start = 0;
        int end = value.length();
        while (start < end && isOws(value.charAt(start))) {
            start++;
        }
        while (end > start && isOws(value.charAt(end - 1))) {
            end--;
        }
        return value.substring(start, end);
    }

    private static boolean isOws(char c) {
        return c == ' ' || c == '\t';
    }
}
