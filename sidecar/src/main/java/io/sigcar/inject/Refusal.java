package io.sigcar.inject;

/**
 * A pod the injector must refuse rather than inject something broken (bad annotation value,
 * port clash). The message goes to the user verbatim through the AdmissionReview status.
 */
public final class Refusal extends RuntimeException {

    @java.io.Serial
    private static final long serialVersionUID = 1L;

    Refusal(String message) {
        super(message);
    }

    static Refusal annotation(String annotation, String value, String reason) {
        return new Refusal("annotation " + annotation + ": " + (value == null ? "" : "'" + value + "' ") + reason);
    }
}
