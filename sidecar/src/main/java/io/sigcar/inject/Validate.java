package io.sigcar.inject;

import java.util.List;
import java.util.regex.Pattern;

/** Syntax checks for the Kubernetes names and values the injector writes into a pod spec. */
final class Validate {

    static final List<String> LOG_LEVELS = List.of("error", "warn", "info", "debug", "trace");

    private static final Pattern PORT_NAME = Pattern.compile("[a-z0-9]([a-z0-9-]*[a-z0-9])?");
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern CONFIG_KEY = Pattern.compile("[-._a-zA-Z0-9]+");
    private static final Pattern KEY_ID = Pattern.compile("[A-Za-z0-9._-]{1,253}");
    private static final Pattern QUANTITY =
            Pattern.compile("(\\d+(\\.\\d+)?|\\.\\d+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?\\d{1,3})?");

    private Validate() {}

    /** IANA service name, as Kubernetes requires of container port names. */
    static boolean isPortName(String s) {
        return s.length() <= 15 && PORT_NAME.matcher(s).matches() && !s.contains("--") && s.matches(".*[a-z].*");
    }

    /** Secret and ConfigMap names. */
    static boolean isDnsSubdomain(String s) {
        if (s.isEmpty() || s.length() > 253) {
            return false;
        }
        for (String label : s.split("\\.", -1)) {
            if (label.length() > 63 || !DNS_LABEL.matcher(label).matches()) {
                return false;
            }
        }
        return true;
    }

    static boolean isConfigMapKey(String s) {
        return s.length() <= 253 && CONFIG_KEY.matcher(s).matches() && !s.equals(".") && !s.equals("..");
    }

    static boolean isKeyId(String s) {
        return KEY_ID.matcher(s).matches();
    }

    static boolean isQuantity(String s) {
        return s != null && QUANTITY.matcher(s).matches();
    }
}
