package io.sigcar;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sigcar.config.Field;
import io.sigcar.reject.Reason;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The README documents every setting and every reason code the code defines, so the two cannot drift. */
class DocsTest {

    private static String readme() throws Exception {
        return Files.readString(Path.of("..", "README.md"));
    }

    @Test
    void everySettingIsInTheConfigurationTable() throws Exception {
        String readme = readme();
        for (Field f : Field.values()) {
            // The whole row: a changed default or description in the code must show in the README.
            String defaultCell = f.defaultValue() == null ? "(required)"
                    : f.defaultValue().isEmpty() ? "" : "`" + f.defaultValue() + "`";
            String row = "| `" + f.key() + "` | `" + f.flag() + "` | `" + f.env() + "` | " + defaultCell + " | "
                    + f.help().replace("|", "\\|") + " |";
            assertTrue(readme.contains(row), "README lacks or has a stale row for " + f.key() + "; expected:\n" + row);
        }
    }

    @Test
    void everyReasonCodeIsDocumented() throws Exception {
        String readme = readme();
        for (Reason r : Reason.values()) {
            assertTrue(readme.contains("| `" + r.code() + "` | " + r.status() + " |"), "README lacks " + r.code());
        }
    }
}
