package io.sigcar.verify;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A {@link SignedRequest} read leniently from fuzzer bytes, so corpus files stay readable HTTP:
 * {@code METHOD target} on the first line, then {@code name: value} lines, an empty line, the body.
 * Any byte string gives some request; shapes the proxy would have refused earlier (no colon, a
 * bare CR) are still passed on, because the verifiers must not rely on the accept stage.
 */
public record FuzzRequest(String method, String scheme, String authority, String rawPath, String rawQuery,
        Map<String, List<String>> headers, byte[] bytes, Instant receivedAt) implements SignedRequest {

    /** Reads {@code data} as ISO-8859-1, one char per byte, the way the proxy sees a request head. */
    public static FuzzRequest parse(byte[] data, Instant receivedAt) {
        int split = indexOf(data, new byte[] {'\n', '\n'});
        String head = new String(data, 0, split < 0 ? data.length : split, StandardCharsets.ISO_8859_1);
        byte[] body = split < 0 ? new byte[0] : Arrays.copyOfRange(data, split + 2, data.length);
        String[] lines = head.split("\n", -1);
        // "METHOD target [HTTP/1.1]", as RFCs print a request line.
        String[] requestLine = lines[0].split(" ", -1);
        String method = requestLine[0].isEmpty() ? "POST" : requestLine[0];
        String target = requestLine.length > 1 ? requestLine[1] : "/";
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon <= 0) {
                continue;
            }
            headers.computeIfAbsent(lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT),
                    n -> new ArrayList<>()).add(lines[i].substring(colon + 1).strip());
        }
        int q = target.indexOf('?');
        String path = q < 0 ? target : target.substring(0, q);
        List<String> host = headers.getOrDefault("host", List.of());
        String authority = host.isEmpty() ? "example.com" : host.getFirst().toLowerCase(Locale.ROOT);
        return new FuzzRequest(method, "https", authority, path.isEmpty() ? "/" : path,
                q < 0 ? null : target.substring(q + 1), headers, body, receivedAt);
    }

    @Override
    public List<String> headerValues(String lowerCaseName) {
        return headers.getOrDefault(lowerCaseName, List.of());
    }

    @Override
    public ByteBuf body() {
        return Unpooled.wrappedBuffer(bytes);
    }

    private static int indexOf(byte[] data, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= data.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (data[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
