package io.sigcar.config;

/** A setting that cannot be used, naming where it came from (file, flag or variable), the field and why. */
public final class ConfigException extends RuntimeException {

    @java.io.Serial
    private static final long serialVersionUID = 1L;

    public ConfigException(String source, String field, String reason) {
        super(source + ": " + field + ": " + reason);
    }
}
