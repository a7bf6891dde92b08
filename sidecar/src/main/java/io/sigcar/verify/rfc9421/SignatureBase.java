package io.sigcar.verify.rfc9421;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.greenbytes.http.sfv.InnerList;
import org.greenbytes.http.sfv.Item;
import org.greenbytes.http.sfv.Parameters;
import org.greenbytes.http.sfv.StringItem;

/**
 * Builds the RFC 9421 §2.5 signature base: one line per covered component, then the
 * {@code @signature-params} line, which is the serialisation of the parsed inner list so that
 * what is signed is exactly the parameters the verifier acts on.
 */
final class SignatureBase {

    private static final String SIGNATURE_PARAMS = "@signature-params";

    private SignatureBase() {}

    /** The signature base for {@code input} over {@code message}, as sent to the MAC. */
    static String build(InnerList input, Message message) throws ComponentException {
        StringBuilder base = new StringBuilder(256);
        for (StringItem component : components(input)) {
            String value = value(component, message);
            if (value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0) {
                // A line break would let one component's value forge further base lines.
                throw ComponentException.malformed("value of " + component.get() + " contains a line break");
            }
            base.append(component.serialize()).append(": ").append(value).append('\n');
        }
        base.append('"').append(SIGNATURE_PARAMS).append("\": ").append(input.serialize());
        return base.toString();
    }

    /** The covered component identifiers of {@code input}, checked for shape and repetition. */
    static List<StringItem> components(InnerList input) throws ComponentException {
        List<StringItem> out = new ArrayList<>(input.get().size());
        Set<String> seen = new HashSet<>();
        for (Item<? extends Object> item : input.get()) {
            if (!(item instanceof StringItem component)) {
                throw ComponentException.malformed("covered components must be strings, got " + item.serialize());
            }
            String name = component.get();
            if (name.isEmpty() || !name.equals(name.toLowerCase(Locale.ROOT))) {
                throw ComponentException.malformed("component name " + component.serialize() + " is not lower-case");
            }
            if (name.equals(SIGNATURE_PARAMS)) {
                throw ComponentException.malformed("@signature-params cannot itself be covered");
            }
            if (!seen.add(component.serialize())) {
                throw ComponentException.malformed("component " + component.serialize() + " is covered twice");
            }
            out.add(component);
        }
        return out;
    }

    /**
     * True when {@code component} covers the whole of {@code name}: the bare identifier, or a
     * field with only {@code sf} or {@code bs}, which re-encode but do not select a part.
     */
    static boolean coversWhole(StringItem component, String name) {
        if (!component.get().equals(name)) {
            return false;
        }
        for (String param : component.getParams().keySet()) {
            if (!param.equals("sf") && !param.equals("bs")) {
                return false;
            }
        }
        return true;
    }

    private static String value(StringItem component, Message message) throws ComponentException {
        String name = component.get();
        Parameters params = component.getParams();
        if (!name.startsWith("@")) {
            return FieldValues.value(name, params, message);
        }
        for (String param : params.keySet()) {
            if (param.equals("req")) {
                throw ComponentException.malformed(name + ";req binds a response to its request;"
                        + " only requests are verified here");
            }
            if (!(param.equals("name") && name.equals("@query-param"))) {
                throw ComponentException.malformed(name + " has unknown parameter " + param);
            }
        }
        return switch (name) {
            case "@method" -> message.method();
            case "@target-uri" -> scheme(message) + "://" + authority(message) + requestTarget(message);
            case "@authority" -> authority(message);
            case "@scheme" -> scheme(message);
            case "@request-target" -> requestTarget(message);
            case "@path" -> message.rawPath().isEmpty() ? "/" : message.rawPath();
            case "@query" -> "?" + (message.rawQuery() == null ? "" : message.rawQuery());
            case "@query-param" -> queryParam(params, message);
            case "@status" -> throw ComponentException.malformed("@status belongs to responses, not requests");
            default -> throw ComponentException.malformed("unknown derived component " + name);
        };
    }

    private static String scheme(Message message) {
        return message.scheme().toLowerCase(Locale.ROOT);
    }

    /** RFC 9110 §4.2.3 normalisation: lower case, and no port when it is the scheme's default. */
    static String authority(Message message) {
        String authority = message.authority().toLowerCase(Locale.ROOT);
        String scheme = scheme(message);
        if (scheme.equals("http") && authority.endsWith(":80")) {
            return authority.substring(0, authority.length() - 3);
        }
        if (scheme.equals("https") && authority.endsWith(":443")) {
            return authority.substring(0, authority.length() - 4);
        }
        return authority;
    }

    private static String requestTarget(Message message) {
        String path = message.rawPath().isEmpty() ? "/" : message.rawPath();
        return message.rawQuery() == null ? path : path + "?" + message.rawQuery();
    }

    private static String queryParam(Parameters params, Message message) throws ComponentException {
        if (!(params.get("name") instanceof StringItem nameItem)) {
            throw ComponentException.malformed("@query-param needs a string name parameter");
        }
        String wanted = nameItem.get();
        String found = null;
        for (QueryParams.Pair pair : QueryParams.parse(message.rawQuery())) {
            if (pair.name().equals(wanted)) {
                if (found != null) {
                    // RFC 9421 §2.2.8: a repeated parameter MUST NOT be covered by name.
                    throw ComponentException.malformed("query parameter " + wanted
                            + " occurs more than once; cover @query instead");
                }
                found = pair.value();
            }
        }
        if (found == null) {
            throw ComponentException.missing("covered query parameter " + wanted + " is not in the request");
        }
        return found;
    }
}
