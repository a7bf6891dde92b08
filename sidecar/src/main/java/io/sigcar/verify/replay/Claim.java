package io.sigcar.verify.replay;

/**
 * One use of a nonce or webhook id that the local table accepted and that a shared replay store
 * must also accept before the request goes on: the same pair {@link ReplayGuard} records.
 *
 * @param untilEpochSecond when the pair may be forgotten (the end of its window)
 */
public record Claim(String keyId, String token, long untilEpochSecond) {}
