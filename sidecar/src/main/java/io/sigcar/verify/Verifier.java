package io.sigcar.verify;

/**
 * One signature scheme (RFC 9421, or a webhook preset). Runs on the event loop: it must
 * not block, and its crypto goes through the native provider.
 */
public interface Verifier {

    /** Scheme name for config, metrics and logs: {@code rfc9421}, {@code github}, {@code stripe}, {@code slack}. */
    String scheme();

    /** True when the request carries this scheme's headers, so this verifier should judge it. */
    boolean applies(SignedRequest request);

    Verdict verify(SignedRequest request);
}
