package io.sigcar.crypto;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/** Which provider a configuration asks for, per algorithm. */
public enum ProviderChoice {
    /** Whatever the committed benchmark found fastest on this class of machine. */
    AUTO("auto"),
    NATIVE(NativeProvider.NAME),
    JDK(JdkProvider.NAME),
    BOUNCYCASTLE(BouncyCastleProvider.NAME);

    private final String id;

    ProviderChoice(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    public static Optional<ProviderChoice> byId(String id) {
        return Arrays.stream(values()).filter(c -> c.id.equals(id)).findFirst();
    }

    static String allIds() {
        return Arrays.stream(values()).map(ProviderChoice::id).collect(Collectors.joining(", "));
    }

    @Override
    public String toString() {
        return id;
    }
}
