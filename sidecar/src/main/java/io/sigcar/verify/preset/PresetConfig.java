package io.sigcar.verify.preset;

import io.sigcar.verify.replay.TimeWindow;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * How one webhook preset is set up: the keyids it may try, in order, and the freshness window
 * for presets whose headers carry a timestamp (Stripe, Slack; GitHub sends none).
 *
 * <p>Webhooks carry no keyid on the wire, so the preset tries each listed key until one matches.
 * Listing two keyids is how a secret is rotated: the vendor signs with the old or the new secret
 * (Stripe sends one {@code v1} per active secret) and both verify until the old one is removed.
 * An empty list is allowed and rejects every request with {@code no_keys}, so a preset can be
 * declared before its Secret is mounted.
 *
 * <p>"Now" is {@link io.sigcar.verify.SignedRequest#receivedAt()}, the contract's reference for
 * time windows, so a slow body upload does not age a request; tests inject time through it.
 */
public record PresetConfig(List<String> keyIds, TimeWindow window) {

    /** Slack and Stripe both document five minutes; Slack applies it in both directions, and so do we for Stripe. */
    public static final TimeWindow DEFAULT_WINDOW = new TimeWindow(Duration.ofMinutes(5), Duration.ofMinutes(5));

    public PresetConfig {
        Objects.requireNonNull(keyIds, "keyIds");
        Objects.requireNonNull(window, "window");
        keyIds = List.copyOf(keyIds);
        Set<String> seen = new HashSet<>();
        for (String id : keyIds) {
            if (id.isBlank()) {
                throw new IllegalArgumentException("keyIds: a keyid is blank");
            }
            if (!seen.add(id)) {
                throw new IllegalArgumentException("keyIds: '" + id + "' is listed twice");
            }
        }
    }

    /** The keyids, tried in this order, with the default five-minute window both ways. */
    public static PresetConfig of(String... keyIds) {
        return new PresetConfig(List.of(keyIds), DEFAULT_WINDOW);
    }

    /** A copy with another freshness window: {@code new TimeWindow(maxAge, futureSkew)}. */
    public PresetConfig withWindow(TimeWindow newWindow) {
        return new PresetConfig(keyIds, newWindow);
    }
}
