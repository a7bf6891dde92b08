package io.sigcar.verify.keys;

import java.util.List;

/**
 * The key directory could not be turned into a key set; each problem names the file (or the
 * directory) and the rule it broke.
 */
public final class KeyLoadException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    // Transient: an exception is never serialised here, and List is not Serializable to javac.
    private final transient List<String> problems;

    public KeyLoadException(List<String> problems) {
        super(problems.size() == 1 ? problems.getFirst()
                : problems.size() + " problems: " + String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    /** One line per problem: {@code <path>: <rule>}. */
    public List<String> problems() {
        return problems;
    }
}
