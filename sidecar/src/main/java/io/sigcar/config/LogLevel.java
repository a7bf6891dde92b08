package io.sigcar.config;

import java.util.Locale;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;

/** The {@code log-level} setting applied to java.util.logging, the backend behind Sigcar's System.Logger calls. */
public final class LogLevel {

    private LogLevel() {}

    /** Sets the root logger and its handlers; an unknown level is a ConfigException naming the setting's source. */
    public static void apply(Settings settings) {
        Settings.Value v = settings.get(Field.LOG_LEVEL);
        Level level;
        try {
            level = parse(v.text());
        } catch (IllegalArgumentException e) {
            throw new ConfigException(v.source(), Field.LOG_LEVEL.key(), e.getMessage());
        }
        apply(level);
    }

    public static Level parse(String text) {
        return switch (text.strip().toLowerCase(Locale.ROOT)) {
            case "error" -> Level.SEVERE;
            case "warn", "warning" -> Level.WARNING;
            case "info" -> Level.INFO;
            case "debug" -> Level.FINE;
            case "trace" -> Level.FINEST;
            default -> throw new IllegalArgumentException("'" + text + "' is not error, warn, info, debug or trace");
        };
    }

    public static void apply(Level level) {
        Logger root = Logger.getLogger("");
        root.setLevel(level);
        for (Handler h : root.getHandlers()) {
            h.setLevel(level);
        }
    }
}
