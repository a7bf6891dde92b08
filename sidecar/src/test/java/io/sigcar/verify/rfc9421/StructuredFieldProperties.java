package io.sigcar.verify.rfc9421;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sigcar.crypto.Algorithm;
import io.sigcar.crypto.MacKey;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.LongRange;
import org.greenbytes.http.sfv.StringItem;

/**
 * parse(serialize(x)) == x for the Signature-Input and Signature members the signer writes: label,
 * covered components in order, created/expires/nonce/keyid/alg, and the signature bytes.
 */
class StructuredFieldProperties {

    private static final MacKey KEY = Fixtures.CRYPTO.macKey(Algorithm.HMAC_SHA256, Fixtures.bytes(32, 9));

    @Property(tries = 300)
    void signatureInputRoundTrips(@ForAll("labels") String label, @ForAll("headerNames") List<String> headerNames,
            @ForAll @LongRange(min = 0, max = 999_999_999_999_999L) long created,
            @ForAll("optionalExpires") Long expires, @ForAll("sfStrings") String nonce, @ForAll("keyIds") String keyId,
            @ForAll boolean includeAlg) throws Exception {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        headerNames.forEach(h -> headers.put(h, List.of("v")));
        List<String> components = new ArrayList<>(List.of("@method", "@authority", "@path", "@query"));
        components.addAll(headerNames);
        components.add("\"@query-param\";name=\"q\"");
        Rfc9421Signer.Signed signed = new Rfc9421Signer(Fixtures.CRYPTO).sign(
                new Rfc9421Signer.Request("GET", URI.create("https://example.com/p?q=1"), headers, new byte[0]),
                new Rfc9421Signer.Spec(label, components, keyId, created, expires, nonce, includeAlg), KEY);

        var entries = SignatureFields.parse(List.of(signed.signatureInput()), List.of(signed.signature()));
        assertEquals(List.of(label), List.copyOf(entries.keySet()));
        SignatureFields.Entry entry = entries.get(label);
        assertEquals(new Params(created, expires, nonce, keyId, includeAlg ? "hmac-sha256" : null), Params.of(entry.input()));
        List<String> parsedComponents = new ArrayList<>();
        for (StringItem item : SignatureBase.components(entry.input())) {
            parsedComponents.add(item.getParams().isEmpty() ? item.get() : item.serialize());
        }
        assertEquals(components, parsedComponents);
        assertArrayEquals(KEY.mac(signed.signatureBase().getBytes(java.nio.charset.StandardCharsets.ISO_8859_1)),
                entry.signature());
        // And the serialised form is a fixed point: what we parse serialises to what we sent.
        assertEquals(signed.signatureInput(), label + "=" + entry.input().serialize());
    }

    @Provide
    Arbitrary<String> labels() {
        Arbitrary<Character> first = Arbitraries.chars().range('a', 'z').with('*');
        Arbitrary<String> rest = Arbitraries.strings().withCharRange('a', 'z').numeric().withChars("_-.*").ofMaxLength(15);
        return net.jqwik.api.Combinators.combine(first, rest).as((f, r) -> f + r);
    }

    @Provide
    Arbitrary<List<String>> headerNames() {
        return Arbitraries.strings().withCharRange('a', 'z').withChars('-').ofMinLength(1).ofMaxLength(10)
                .map(s -> "x-" + s).list().uniqueElements().ofMaxSize(4);
    }

    @Provide
    Arbitrary<Long> optionalExpires() {
        return Arbitraries.longs().between(0, 999_999_999_999_999L).injectNull(0.5);
    }

    /** RFC 8941 strings: printable ASCII, quotes and backslashes escaped on the wire. */
    @Provide
    Arbitrary<String> sfStrings() {
        return Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(24).injectNull(0.3);
    }

    @Provide
    Arbitrary<String> keyIds() {
        return Arbitraries.strings().withCharRange(' ', '~').ofMinLength(1).ofMaxLength(24);
    }
}
