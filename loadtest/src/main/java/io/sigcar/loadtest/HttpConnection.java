package io.sigcar.loadtest;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Locale;

/** One blocking keep-alive HTTP/1.1 client connection: write a request, read one whole response. */
final class HttpConnection implements AutoCloseable {

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final StringBuilder line = new StringBuilder(128);
    private final byte[] skip = new byte[16384];
    private boolean reusable = true;

    HttpConnection(String host, int port, int timeoutMillis) throws IOException {
        socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(timeoutMillis);
            socket.connect(new InetSocketAddress(host, port), timeoutMillis);
            in = new BufferedInputStream(socket.getInputStream(), 16384);
            out = new BufferedOutputStream(socket.getOutputStream(), 65536);
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    /** Sends {@code head} and {@code body}, reads the response to its end, returns the status. */
    int exchange(byte[] head, byte[] body) throws IOException {
        out.write(head);
        out.write(body);
        out.flush();
        String statusLine = readLine();
        if (!statusLine.startsWith("HTTP/1.")) {
            throw new IOException("not an HTTP response: " + statusLine);
        }
        int status = Integer.parseInt(statusLine.substring(9, 12));
        long length = -1;
        boolean chunked = false;
        reusable = statusLine.startsWith("HTTP/1.1");
        for (String h = readLine(); !h.isEmpty(); h = readLine()) {
            int colon = h.indexOf(':');
            if (colon <= 0) {
                continue;
            }
            String name = h.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = h.substring(colon + 1).trim().toLowerCase(Locale.ROOT);
            switch (name) {
                case "content-length" -> length = Long.parseLong(value);
                case "transfer-encoding" -> chunked = value.contains("chunked");
                case "connection" -> reusable = reusable && !value.contains("close");
                default -> { }
            }
        }
        if (chunked) {
            for (long size = chunkSize(); size > 0; size = chunkSize()) {
                discard(size);
                readLine();
            }
            for (String t = readLine(); !t.isEmpty(); t = readLine()) {
                // trailer fields: read and dropped
            }
        } else if (length >= 0) {
            discard(length);
        } else if (status >= 200 && status != 204 && status != 304) {
            // Delimited by close: read to the end.
            while (in.read(skip) >= 0) {
                // drained
            }
            reusable = false;
        }
        return status;
    }

    boolean reusable() {
        return reusable;
    }

    private long chunkSize() throws IOException {
        String s = readLine();
        int semi = s.indexOf(';');
        return Long.parseLong((semi >= 0 ? s.substring(0, semi) : s).trim(), 16);
    }

    private void discard(long n) throws IOException {
        while (n > 0) {
            int r = in.read(skip, 0, (int) Math.min(skip.length, n));
            if (r < 0) {
                throw new IOException("connection closed inside a response body");
            }
            n -= r;
        }
    }

    private String readLine() throws IOException {
        line.setLength(0);
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                throw new IOException("connection closed before a whole response");
            }
            if (c != '\r') {
                line.append((char) c);
            }
            if (line.length() > 65536) {
                throw new IOException("response line too long");
            }
        }
        return line.toString();
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // Closing a socket we are done with: nothing is lost if it fails.
            reusable = false;
        }
    }
}
