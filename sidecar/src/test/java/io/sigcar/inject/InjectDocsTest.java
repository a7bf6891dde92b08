package io.sigcar.inject;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The README's injection section documents every annotation and skip reason the code knows. */
class InjectDocsTest {

    @Test
    void everyAnnotationAndSkipReasonIsDocumented() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        for (String a : Annotations.KNOWN) {
            assertTrue(readme.contains("| `" + a + "` |"), "README lacks the row for " + a);
        }
        for (SkipReason r : SkipReason.values()) {
            assertTrue(readme.contains("`" + r.code() + "`"), "README lacks skip reason " + r.code());
        }
    }
}
