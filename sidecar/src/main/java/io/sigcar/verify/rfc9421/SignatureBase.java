package io.sigcar.verify.rfc9421;

import java.util.ArrayList;
import java.util.Arrays;
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

    /** The signature base for {@code input} over {@code message}, as text (for the signer and tests). */
    static String build(InnerList input, Message message) throws ComponentException {
        return write(components(input), input, message).toString();
    }

    /**
     * The signature base as the bytes sent to the MAC, for {@code components} already checked by
     * {@link #components}: the text's ISO-8859-1 encoding, as {@code String.getBytes} gives it.
     */
    static byte[] bytes(List<StringItem> components, InnerList input, Message message) throws ComponentException {
        return latin1(write(components, input, message));
    }

    /** Every line goes straight into one builder, so no value becomes a string of its own. */
    private static StringBuilder write(List<StringItem> components, InnerList input, Message message)
            throws ComponentException {
        StringBuilder base = new StringBuilder(512);
        for (StringItem component : components) {
            identifier(component, base);
            base.append(": ");
            int start = base.length();
            value(component, message, base);
            for (int i = start; i < base.length(); i++) {
                char c = base.charAt(i);
                if (c == '\n' || c == '\r') {
                    // A line break would let one component's value forge further base lines.
                    throw ComponentException.malformed("value of " + component.get() + " contains a line break");
                }
            }
            base.append('\n');
        }
        base.append('"').append(SIGNATURE_PARAMS).append("\": ");
        input.serializeTo(base);
        return base;
    }

    /**
     * The identifier as {@link StringItem#serialize} writes it (RFC 8941 §4.1.6). A bare name is
     * written here, since the library walks even empty parameters with a fresh iterator.
     */
    private static void identifier(StringItem component, StringBuilder base) {
        if (!component.getParams().isEmpty()) {
            component.serializeTo(base);
            return;
        }
        String name = component.get();
        base.append('"');
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '\\' || c == '"') {
                base.append('\\');
            }
            base.append(c);
        }
        base.append('"');
    }

    /**
     * What {@code text.toString().getBytes(ISO_8859_1)} returns, without the string: a character
     * beyond U+00FF becomes {@code ?}, and so does a surrogate pair, once.
     */
    static byte[] latin1(CharSequence text) {
        int length = text.length();
        byte[] out = new byte[length];
        int n = 0;
        for (int i = 0; i < length; i++) {
            char c = text.charAt(i);
            if (c <= 0xff) {
                out[n++] = (byte) c;
                continue;
            }
            if (Character.isHighSurrogate(c) && i + 1 < length && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            }
            out[n++] = '?';
        }
        return n == length ? out : Arrays.copyOf(out, n);
    }

    /**
     * The covered component identifiers of {@code input}, checked for shape and repetition.
     * Verification checks them once and hands the list to {@link #bytes}.
     */
    static List<StringItem> components(InnerList input) throws ComponentException {
        List<Item<? extends Object>> items = input.get();
        List<StringItem> out = new ArrayList<>(items.size());
        // Repetition is judged on the serialised identifier; one without parameters is its name.
        Set<String> bare = new HashSet<>();
        Set<String> withParams = null;
        for (Item<? extends Object> item : items) {
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
            boolean repeated;
            if (component.getParams().isEmpty()) {
                repeated = !bare.add(name);
            } else {
                withParams = withParams == null ? new HashSet<>() : withParams;
                repeated = !withParams.add(component.serialize());
            }
            if (repeated) {
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
        if (component.getParams().isEmpty()) {
            return true;
        }
        for (String param : component.getParams().keySet()) {
            if (!param.equals("sf") && !param.equals("bs")) {
                return false;
            }
        }
        return true;
    }

    private static void value(StringItem component, Message message, StringBuilder out) throws ComponentException {
        String name = component.get();
        Parameters params = component.getParams();
        if (!name.startsWith("@")) {
            FieldValues.write(name, params, message, out);
            return;
        }
        if (!params.isEmpty()) {
            derivedParams(name, params);
        }
        switch (name) {
            case "@method" -> out.append(message.method());
            case "@target-uri" -> requestTarget(message, authority(message, out.append(scheme(message)).append("://")));
            case "@authority" -> authority(message, out);
            case "@scheme" -> out.append(scheme(message));
            case "@request-target" -> requestTarget(message, out);
            case "@path" -> path(message, out);
            case "@query" -> out.append('?').append(message.rawQuery() == null ? "" : message.rawQuery());
            case "@query-param" -> out.append(queryParam(params, message));
            case "@status" -> throw ComponentException.malformed("@status belongs to responses, not requests");
            default -> throw ComponentException.malformed("unknown derived component " + name);
        }
    }

    /** Only {@code @query-param} takes a parameter, its {@code name}. */
    private static void derivedParams(String name, Parameters params) throws ComponentException {
        for (String param : params.keySet()) {
            if (param.equals("req")) {
                throw ComponentException.malformed(name + ";req binds a response to its request;"
                        + " only requests are verified here");
            }
            if (!(param.equals("name") && name.equals("@query-param"))) {
                throw ComponentException.malformed(name + " has unknown parameter " + param);
            }
        }
    }

    private static String scheme(Message message) {
        return message.scheme().toLowerCase(Locale.ROOT);
    }

    /** RFC 9110 §4.2.3 normalisation: lower case, and no port when it is the scheme's default. */
    private static StringBuilder authority(Message message, StringBuilder out) {
        String authority = message.authority().toLowerCase(Locale.ROOT);
        String scheme = scheme(message);
        if (scheme.equals("http") && authority.endsWith(":80")) {
            return out.append(authority, 0, authority.length() - 3);
        }
        if (scheme.equals("https") && authority.endsWith(":443")) {
            return out.append(authority, 0, authority.length() - 4);
        }
        return out.append(authority);
    }

    private static StringBuilder path(Message message, StringBuilder out) {
        return out.append(message.rawPath().isEmpty() ? "/" : message.rawPath());
    }

    private static void requestTarget(Message message, StringBuilder out) {
        path(message, out);
        if (message.rawQuery() != null) {
            out.append('?').append(message.rawQuery());
        }
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
