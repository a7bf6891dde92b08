package io.sigcar.accept;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The app behind the sidecar for wire tests: a plain socket server that keeps every byte it
 * receives and reads it with a strict RFC 9112 parser of its own (not Netty's), so a framing
 * mistake in the sidecar's output shows up as a {@link #faults() fault} rather than being
 * papered over by the same library that made it. Answers each request 200 with a fixed body
 * ("ok" unless told), after N ms for {@code /public/hold-N}.
 */
final class RawUpstream implements AutoCloseable {

    /** One request as the app's strict parser framed it. */
    record Seen(String method, String target, List<String[]> headers, byte[] body) {
        String header(String name) {
            for (String[] h : headers) {
                if (h[0].equalsIgnoreCase(name)) {
                    return h[1];
                }
            }
            return null;
        }

        boolean has(String name) {
            return header(name) != null;
        }
    }

    private final ServerSocket server;
    private final Thread acceptor;
    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private final List<String> faults = new CopyOnWriteArrayList<>();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile long bytes;
    private final byte[] answer;

    RawUpstream() throws IOException {
        this("ok".getBytes(StandardCharsets.US_ASCII));
    }

    /** @param answer the body of every 200 answer */
    RawUpstream(byte[] answer) throws IOException {
        this.answer = answer.clone();
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        acceptor = Thread.ofPlatform().daemon().name("raw-upstream").start(this::acceptLoop);
    }

    int port() {
        return server.getLocalPort();
    }

    /** Every request parsed so far, in arrival order (across connections). */
    List<Seen> seen() {
        return seen;
    }

    /** Bytes that did not parse as complete, strictly framed requests. Must stay empty. */
    List<String> faults() {
        return faults;
    }

    /** Total bytes received on all connections. */
    long bytes() {
        return bytes;
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                sockets.add(s);
                Thread.ofVirtual().start(() -> serve(s));
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            Reader in = new Reader(s.getInputStream());
            OutputStream out = s.getOutputStream();
            while (true) {
                Seen request;
                try {
                    request = readRequest(in);
                } catch (Framing e) {
                    faults.add(e.getMessage());
                    return;
                }
                if (request == null) {
                    return; // clean close between requests
                }
                seen.add(request);
                hold(request.target());
                out.write(("HTTP/1.1 200 OK\r\ncontent-length: " + answer.length + "\r\ncontent-type: text/plain\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                out.write(answer);
                out.flush();
            }
        } catch (IOException gone) {
            // the sidecar closed its pooled connection: nothing half-read is lost, see Reader.eof
        }
    }

    /** A target {@code /public/hold-N} is answered after N ms: a slow app, for deadline tests. */
    private static void hold(String target) {
        String prefix = "/public/hold-";
        if (target.startsWith(prefix)) {
            try {
                Thread.sleep(Long.parseLong(target.substring(prefix.length())));
            } catch (InterruptedException | NumberFormatException e) {
                throw new IllegalStateException("bad hold target " + target, e);
            }
        }
    }

    /** A framing fault in what the sidecar sent. */
    private static final class Framing extends Exception {
        @java.io.Serial
        private static final long serialVersionUID = 1L;

        Framing(String message) {
            super(message, null, false, false);
        }
    }

    private Seen readRequest(Reader in) throws IOException, Framing {
        String line = in.line(true);
        if (line == null) {
            return null;
        }
        String[] parts = line.split(" ", -1);
        if (parts.length != 3 || !parts[0].matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+") || parts[1].isEmpty()
                || !parts[2].equals("HTTP/1.1")) {
            throw new Framing("bad request line: " + printable(line));
        }
        List<String[]> headers = new ArrayList<>();
        for (String h; !(h = in.line(false)).isEmpty(); ) {
            int colon = h.indexOf(':');
            if (colon <= 0 || !h.substring(0, colon).matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+")) {
                throw new Framing("bad header line: " + printable(h));
            }
            String value = h.substring(colon + 1).strip();
            for (char c : value.toCharArray()) {
                if ((c < 0x20 && c != '\t') || c == 0x7f) {
                    throw new Framing("control byte in header value: " + printable(h));
                }
            }
            headers.add(new String[] {h.substring(0, colon).toLowerCase(Locale.ROOT), value});
        }
        List<String> lengths = new ArrayList<>();
        List<String> encodings = new ArrayList<>();
        for (String[] h : headers) {
            if (h[0].equals("content-length")) {
                lengths.add(h[1]);
            } else if (h[0].equals("transfer-encoding")) {
                encodings.add(h[1]);
            }
        }
        if (!lengths.isEmpty() && !encodings.isEmpty()) {
            throw new Framing("both Content-Length and Transfer-Encoding");
        }
        byte[] body;
        if (lengths.size() > 1 || (lengths.size() == 1 && !lengths.getFirst().matches("[0-9]{1,18}"))) {
            throw new Framing("bad Content-Length " + lengths);
        } else if (lengths.size() == 1) {
            body = in.exactly(Integer.parseInt(lengths.getFirst()));
        } else if (!encodings.isEmpty()) {
            if (encodings.size() != 1 || !encodings.getFirst().equalsIgnoreCase("chunked")) {
                throw new Framing("Transfer-Encoding " + encodings);
            }
            body = chunked(in);
        } else {
            body = new byte[0];
        }
        return new Seen(parts[0], parts[1], headers, body);
    }

    private static byte[] chunked(Reader in) throws IOException, Framing {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String size = in.line(false);
            if (!size.matches("[0-9a-fA-F]{1,8}")) {
                throw new Framing("bad chunk size line: " + printable(size));
            }
            int n = Integer.parseInt(size, 16);
            if (n == 0) {
                if (!in.line(false).isEmpty()) {
                    throw new Framing("trailer fields sent to the app");
                }
                return body.toByteArray();
            }
            body.writeBytes(in.exactly(n));
            if (!in.line(false).isEmpty()) {
                throw new Framing("chunk data not followed by CRLF");
            }
        }
    }

    static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            b.append(c >= 0x20 && c < 0x7f ? String.valueOf(c) : String.format("\\x%02x", (int) c));
        }
        return b.toString();
    }

    /** Reads CRLF-terminated lines and counted bytes; a bare CR or LF is a fault. */
    private final class Reader {
        private final InputStream in;

        Reader(InputStream in) {
            this.in = in;
        }

        private int next() throws IOException {
            int b = in.read();
            if (b >= 0) {
                bytes++;
            }
            return b;
        }

        /** A line without its CRLF; null at a clean end of stream when {@code eofOk}. */
        String line(boolean eofOk) throws IOException, Framing {
            StringBuilder sb = new StringBuilder();
            while (true) {
                int b = next();
                if (b < 0) {
                    if (eofOk && sb.isEmpty()) {
                        return null;
                    }
                    throw new Framing("connection ended inside a line: " + printable(sb.toString()));
                }
                if (b == '\n') {
                    throw new Framing("bare LF after: " + printable(sb.toString()));
                }
                if (b == '\r') {
                    if (next() != '\n') {
                        throw new Framing("bare CR after: " + printable(sb.toString()));
                    }
                    return sb.toString();
                }
                sb.append((char) b);
                if (sb.length() > 65536) {
                    throw new Framing("line over 64 KiB");
                }
            }
        }

        byte[] exactly(int n) throws IOException, Framing {
            byte[] b = in.readNBytes(n);
            bytes += b.length;
            if (b.length != n) {
                throw new Framing("connection ended inside a body: " + b.length + " of " + n + " bytes");
            }
            return b;
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : sockets) {
            s.close();
        }
        try {
            acceptor.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
