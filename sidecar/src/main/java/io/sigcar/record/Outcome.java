package io.sigcar.record;

/** How a request ended; the {@code outcome} label of the request histogram. */
public enum Outcome {
    /** Signature verified, forwarded to the app. */
    VERIFIED,
    /** Route allows unsigned requests; forwarded. */
    ALLOWED,
    /** Refused by Sigcar (framing, policy or verification); the app saw nothing. */
    REJECTED,
    /** Passed Sigcar but the app could not be reached or timed out. */
    UPSTREAM_ERROR;

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
