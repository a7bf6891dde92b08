package io.sigcar.config;

/** A host and port to listen on or connect to. */
public record HostPort(String host, int port) {

    /** {@code host:port} or {@code [v6]:port}; IllegalArgumentException with the reason otherwise. */
    public static HostPort parse(String text) {
        return Parse.hostPort(text);
    }

    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
