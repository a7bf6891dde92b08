package io.sigcar.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code log-level} sets java.util.logging's root level; a bad value names its source. */
class LogLevelTest {

    private final Level before = Logger.getLogger("").getLevel();

    @AfterEach
    void restore() {
        LogLevel.apply(before);
    }

    @Test
    void setsTheRootLevelFromTheEnvironment() {
        LogLevel.apply(Settings.load(Optional.empty(), Map.of("SIGCAR_LOG_LEVEL", "debug"), Map.of()));
        assertEquals(Level.FINE, Logger.getLogger("").getLevel());
        assertEquals(false, System.getLogger("io.sigcar.x").isLoggable(System.Logger.Level.TRACE));
        assertEquals(true, System.getLogger("io.sigcar.x").isLoggable(System.Logger.Level.DEBUG));
        LogLevel.apply(Settings.load(Optional.empty(), Map.of(), Map.of(Field.LOG_LEVEL, "ERROR")));
        assertEquals(false, System.getLogger("io.sigcar.x").isLoggable(System.Logger.Level.WARNING));
    }

    @Test
    void aBadLevelNamesItsSource() {
        ConfigException e = assertThrows(ConfigException.class, () -> LogLevel.apply(
                Settings.load(Optional.empty(), Map.of("SIGCAR_LOG_LEVEL", "loud"), Map.of())));
        assertEquals("environment SIGCAR_LOG_LEVEL: log-level: 'loud' is not error, warn, info, debug or trace",
                e.getMessage());
    }
}
