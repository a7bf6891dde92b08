package io.sigcar.verify.rfc9421;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.sigcar.verify.SignedRequest;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** A {@link SignedRequest} for tests: fixed fields, headers by lower-case name, a heap body. */
record TestRequest(String method, String scheme, String authority, String rawPath, String rawQuery,
        Map<String, List<String>> headers, byte[] bytes, Instant receivedAt) implements SignedRequest {

    @Override
    public List<String> headerValues(String lowerCaseName) {
        return headers.getOrDefault(lowerCaseName, List.of());
    }

    @Override
    public ByteBuf body() {
        return Unpooled.wrappedBuffer(bytes);
    }

    /** Parses an HTTP/1.1 request as printed in RFCs (LF line ends, Host header gives the authority). */
    static TestRequest parse(String scheme, String text) {
        int split = text.indexOf("\n\n");
        String head = split < 0 ? text : text.substring(0, split);
        String body = split < 0 ? "" : text.substring(split + 2);
        String[] lines = head.split("\n");
        String[] requestLine = lines[0].split(" ");
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.computeIfAbsent(lines[i].substring(0, colon).toLowerCase(Locale.ROOT), n -> new ArrayList<>())
                    .add(lines[i].substring(colon + 1));
        }
        String target = requestLine[1];
        int q = target.indexOf('?');
        String authority = headers.get("host").getFirst().trim().toLowerCase(Locale.ROOT);
        return new TestRequest(requestLine[0], scheme, authority, q < 0 ? target : target.substring(0, q),
                q < 0 ? null : target.substring(q + 1), headers, body.getBytes(StandardCharsets.UTF_8),
                Instant.EPOCH);
    }

    /** A request for {@code uri}, as the proxy would see it. */
    static TestRequest of(String method, String uri, Map<String, List<String>> headers, byte[] body) {
        URI u = URI.create(uri);
        Map<String, List<String>> lower = new LinkedHashMap<>();
        headers.forEach((n, v) -> lower.computeIfAbsent(n.toLowerCase(Locale.ROOT), k -> new ArrayList<>()).addAll(v));
        return new TestRequest(method, u.getScheme(), u.getRawAuthority().toLowerCase(Locale.ROOT),
                u.getRawPath().isEmpty() ? "/" : u.getRawPath(), u.getRawQuery(), lower, body, Instant.EPOCH);
    }

    /** This request with the named field's values replaced (removed when none given). */
    TestRequest withHeader(String lowerCaseName, String... values) {
        Map<String, List<String>> copy = new LinkedHashMap<>(headers);
        if (values.length == 0) {
            copy.remove(lowerCaseName);
        } else {
            copy.put(lowerCaseName, List.of(values));
        }
        return new TestRequest(method, scheme, authority, rawPath, rawQuery, copy, bytes, receivedAt);
    }

    /** This request with the signer's output fields added. */
    TestRequest with(Rfc9421Signer.Signed signed) {
        TestRequest out = this;
        for (Map.Entry<String, String> field : signed.headers().entrySet()) {
            out = out.withHeader(field.getKey().toLowerCase(Locale.ROOT), field.getValue());
        }
        return out;
    }

    TestRequest withBody(byte[] newBody) {
        return new TestRequest(method, scheme, authority, rawPath, rawQuery, headers, newBody, receivedAt);
    }
}
