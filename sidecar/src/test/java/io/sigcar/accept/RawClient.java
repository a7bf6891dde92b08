package io.sigcar.accept;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/** A raw HTTP/1.1 client: writes bytes exactly as given and frames the answers itself. */
final class RawClient {

    /** One answer from the sidecar. */
    record Response(int status, String head, byte[] body) {
        String text() {
            return head + new String(body, StandardCharsets.ISO_8859_1);
        }
    }

    /** What came back on one connection: the answers in order, and whether the sidecar closed it. */
    record Exchange(List<Response> responses, boolean closed, boolean timedOut) {}

    private RawClient() {}

    /**
     * Sends {@code request} and reads answers until {@code want} have arrived and, when
     * {@code untilClose}, until the sidecar closes the connection. Bounded by {@code timeoutMs}.
     */
    static Exchange send(int port, byte[] request, int want, boolean untilClose, int timeoutMs) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(timeoutMs);
            s.getOutputStream().write(request);
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();
            List<Response> got = new ArrayList<>();
            try {
                while (got.size() < want || untilClose) {
                    Response r = read(in);
                    if (r == null) {
                        return new Exchange(got, true, false);
                    }
                    got.add(r);
                }
                return new Exchange(got, false, false);
            } catch (SocketTimeoutException quiet) {
                return new Exchange(got, false, true);
            } catch (IOException reset) {
                return new Exchange(got, true, false); // a reset after the answer is a close too
            }
        }
    }

    /** One response, or null at end of stream before its first byte. */
    static Response read(InputStream in) throws IOException {
        String status = line(in, true);
        if (status == null) {
            return null;
        }
        StringBuilder head = new StringBuilder(status).append("\r\n");
        long length = -1;
        boolean chunked = false;
        for (String h; !(h = line(in, false)).isEmpty(); ) {
            head.append(h).append("\r\n");
            String lower = h.toLowerCase(Locale.ROOT);
            if (lower.startsWith("content-length:")) {
                length = Long.parseLong(h.substring(15).strip());
            } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                chunked = true;
            }
        }
        head.append("\r\n");
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (chunked) {
            for (int n; (n = Integer.parseInt(line(in, false).split(";")[0].strip(), 16)) > 0; ) {
                body.writeBytes(in.readNBytes(n));
                line(in, false);
            }
            while (!line(in, false).isEmpty()) {
                // trailer fields: none expected, skipped
            }
        } else if (length >= 0) {
            body.writeBytes(in.readNBytes((int) length));
        }
        String[] parts = status.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
            throw new IOException("not an HTTP/1 status line: " + status);
        }
        return new Response(Integer.parseInt(parts[1]), head.toString(), body.toByteArray());
    }

    private static String line(InputStream in, boolean eofOk) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int b; (b = in.read()) >= 0; ) {
            if (b == '\n') {
                int end = sb.length();
                return sb.substring(0, end > 0 && sb.charAt(end - 1) == '\r' ? end - 1 : end);
            }
            sb.append((char) b);
        }
        if (sb.isEmpty() && eofOk) {
            return null;
        }
        throw new IOException("connection closed inside a line");
    }

    /** Decodes the corpus escapes {@code \r \n \t \\ \xHH} into bytes. */
    static byte[] unescape(String s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\') {
                out.write(c);
                continue;
            }
            char e = s.charAt(++i);
            switch (e) {
                case 'r' -> out.write('\r');
                case 'n' -> out.write('\n');
                case 't' -> out.write('\t');
                case '\\' -> out.write('\\');
                case 'x' -> {
                    out.write(HexFormat.fromHexDigits(s, i + 1, i + 3));
                    i += 2;
                }
                default -> throw new IllegalArgumentException("unknown escape \\" + e + " in " + s);
            }
        }
        return out.toByteArray();
    }
}
