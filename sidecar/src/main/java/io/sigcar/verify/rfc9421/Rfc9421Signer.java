package io.sigcar.verify.rfc9421;

import io.sigcar.crypto.Algorithm;
import io.sigcar.crypto.CryptoProvider;
import io.sigcar.crypto.MacKey;
import io.sigcar.verify.digest.ContentDigest;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.greenbytes.http.sfv.ByteSequenceItem;
import org.greenbytes.http.sfv.Dictionary;
import org.greenbytes.http.sfv.InnerList;
import org.greenbytes.http.sfv.Item;
import org.greenbytes.http.sfv.ListElement;
import org.greenbytes.http.sfv.Parameters;
import org.greenbytes.http.sfv.Parser;
import org.greenbytes.http.sfv.StringItem;

/**
 * Signs a request per RFC 9421 with a shared key, for {@code sigcar sign}, the demo and tests.
 * It builds the base with the verifier's own code, so the two cannot disagree, and knows
 * nothing of Vert.x: a request is a method, a URI, headers and a body.
 */
public final class Rfc9421Signer {

    private final ContentDigest contentDigest;

    public Rfc9421Signer(CryptoProvider crypto) {
        this.contentDigest = new ContentDigest(Objects.requireNonNull(crypto, "crypto"));
    }

    /**
     * A request about to be sent.
     *
     * @param headers field values by name (any case; stored lower-case), in order per name
     * @param body the content; empty for none
     */
    public record Request(String method, URI uri, Map<String, List<String>> headers, byte[] body) {
        public Request {
            Objects.requireNonNull(method, "method");
            uri = URI.create(Objects.requireNonNull(uri, "uri").toASCIIString());
            if (uri.getScheme() == null || uri.getRawAuthority() == null) {
                throw new IllegalArgumentException("uri must be absolute with a host: " + uri);
            }
            Map<String, List<String>> lower = new LinkedHashMap<>();
            Objects.requireNonNull(headers, "headers").forEach((name, values) -> lower.computeIfAbsent(name.toLowerCase(Locale.ROOT),
                    n -> new ArrayList<>()).addAll(values));
            lower.replaceAll((name, values) -> List.copyOf(values));
            headers = Map.copyOf(lower);
            body = body == null ? new byte[0] : body.clone();
        }
    }

    /**
     * What to sign and how.
     *
     * @param components covered component identifiers in order: a bare name ({@code @method},
     *     {@code content-type}) or a serialised one ({@code "@query-param";name="id"})
     * @param expires epoch second, or null for none
     * @param nonce or null for none
     * @param includeAlg whether to state the key's algorithm in the {@code alg} parameter
     */
    public record Spec(String label, List<String> components, String keyId, long created, Long expires,
            String nonce, boolean includeAlg) {
        public Spec {
            Parser.parseKey(Objects.requireNonNull(label, "label"));
            components = List.copyOf(components);
            Objects.requireNonNull(keyId, "keyId");
        }
    }

    /** The fields to add to the request; {@code signatureBase} is for debugging, never secret. */
    public record Signed(String signatureInput, String signature, String contentDigest, String signatureBase) {

        /** Field name to value, Content-Digest first when there is one. */
        public Map<String, String> headers() {
            Map<String, String> out = new LinkedHashMap<>();
            if (contentDigest != null) {
                out.put("Content-Digest", contentDigest);
            }
            out.put("Signature-Input", signatureInput);
            out.put("Signature", signature);
            return out;
        }
    }

    /**
     * Signs {@code request}. A non-empty body gets a sha-256 Content-Digest (unless the request
     * carries one) and {@code content-digest} is covered, as the verifier demands.
     *
     * @throws ComponentException when a covered component is missing from the request or refused
     */
    public Signed sign(Request request, Spec spec, MacKey key) throws ComponentException {
        Map<String, List<String>> headers = new LinkedHashMap<>(request.headers());
        List<String> names = new ArrayList<>(spec.components());
        String digest = null;
        if (request.body().length > 0) {
            if (!headers.containsKey(ContentDigest.FIELD)) {
                digest = contentDigest.fieldValue(Algorithm.SHA_256, request.body());
                headers.put(ContentDigest.FIELD, List.of(digest));
            } else {
                digest = String.join(", ", headers.get(ContentDigest.FIELD));
            }
            if (!names.contains(ContentDigest.FIELD)) {
                names.add(ContentDigest.FIELD);
            }
        }
        List<Item<? extends Object>> items = new ArrayList<>();
        for (String name : names) {
            items.add(identifier(name));
        }
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("created", spec.created());
        if (spec.expires() != null) {
            params.put("expires", spec.expires());
        }
        if (spec.nonce() != null) {
            params.put("nonce", spec.nonce());
        }
        params.put("keyid", spec.keyId());
        if (spec.includeAlg()) {
            params.put("alg", key.algorithm().id());
        }
        InnerList input = InnerList.valueOf(items).withParams(Parameters.valueOf(params));
        String base = SignatureBase.build(input, message(request, headers));
        for (int i = 0; i < base.length(); i++) {
            if (base.charAt(i) > 0xff) {
                throw ComponentException.malformed("a covered value has a character outside ISO-8859-1; cover it with bs");
            }
        }
        byte[] mac = key.mac(base.getBytes(StandardCharsets.ISO_8859_1));
        return new Signed(member(spec.label(), input), member(spec.label(), ByteSequenceItem.valueOf(mac)),
                digest, base);
    }

    private static StringItem identifier(String name) {
        if (!name.startsWith("\"")) {
            return StringItem.valueOf(name);
        }
        if (Parser.parseItem(name) instanceof StringItem item) {
            return item;
        }
        throw new IllegalArgumentException("component identifier must be a string: " + name);
    }

    private static String member(String label, ListElement<? extends Object> value) {
        Map<String, ListElement<? extends Object>> members = new LinkedHashMap<>();
        members.put(label, value);
        return Dictionary.valueOf(members).serialize();
    }

    private static Message message(Request request, Map<String, List<String>> headers) {
        URI uri = request.uri();
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        return new Message() {
            @Override
            public String method() {
                return request.method();
            }

            @Override
            public String scheme() {
                return uri.getScheme().toLowerCase(Locale.ROOT);
            }

            @Override
            public String authority() {
                return uri.getRawAuthority().toLowerCase(Locale.ROOT);
            }

            @Override
            public String rawPath() {
                return path;
            }

            @Override
            public String rawQuery() {
                return uri.getRawQuery();
            }

            @Override
            public List<String> headerValues(String lowerCaseName) {
                return headers.getOrDefault(lowerCaseName, List.of());
            }
        };
    }
}
