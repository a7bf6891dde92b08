package io.sigcar.pipeline;

import io.sigcar.config.ConfigException;
import io.sigcar.config.Field;
import io.sigcar.config.SidecarConfig;
import io.sigcar.record.Metrics;
import io.sigcar.verify.Verifier;
import io.sigcar.verify.keys.KeyConfig;
import io.sigcar.verify.keys.KeyLoadException;
import io.sigcar.verify.keys.KeyStore;
import io.sigcar.verify.keys.KeyWatcher;
import io.sigcar.verify.preset.GithubPreset;
import io.sigcar.verify.preset.PresetConfig;
import io.sigcar.verify.preset.SlackPreset;
import io.sigcar.verify.preset.StripePreset;
import io.sigcar.verify.replay.NonceCache;
import io.sigcar.verify.replay.NonceCacheConfig;
import io.sigcar.verify.replay.ReplayGuard;
import io.sigcar.verify.replay.SharedReplay;
import io.sigcar.verify.replay.TimeWindow;
import io.sigcar.verify.rfc9421.Rfc9421Config;
import io.sigcar.verify.rfc9421.Rfc9421Verifier;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Builds the verify stage's state from the config: the watched key store, the off-heap
 * nonce cache, and one verifier per enabled scheme, with their gauges.
 */
public final class Verifications {

    private Verifications() {}

    public static Sidecar.Verification build(Sidecar.Context ctx) {
        SidecarConfig.Verification v = ctx.config().verification();
        Set<String> presetKeys = new HashSet<>();
        v.presetKeys().values().forEach(presetKeys::addAll);
        KeyConfig keyConfig = new KeyConfig(v.keysDir(), v.keyAlgorithm(), v.keyAlgorithms(), presetKeys,
                v.refuseShortPresetKeys());
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform()
                .daemon().name("sigcar-keys").unstarted(r));
        KeyStore keys;
        try {
            keys = new KeyStore(keyConfig, ctx.crypto(), scheduler, KeyStore.DEFAULT_RETIRE_GRACE);
        } catch (KeyLoadException e) {
            scheduler.shutdownNow();
            throw new ConfigException(v.keysDir().toString(), Field.KEYS.key(), e.getMessage());
        }
        KeyWatcher watcher = KeyWatcher.start(keyConfig, keys);
        NonceCache nonces = new NonceCache(new NonceCacheConfig(v.nonceCapacity(), 32), ctx.crypto(), ctx.clock());
        // Expired entries are reclaimed on insert too; the sweep keeps the fill gauge honest when traffic stops.
        scheduler.scheduleWithFixedDelay(nonces::sweep, 10, 10, TimeUnit.SECONDS);

        List<Verifier> verifiers = new ArrayList<>();
        TimeWindow webhookWindow = new TimeWindow(v.webhookTolerance(), v.webhookTolerance());
        for (Map.Entry<String, List<String>> preset : v.presetKeys().entrySet()) {
            if (preset.getValue().isEmpty()) {
                continue;
            }
            PresetConfig pc = new PresetConfig(preset.getValue(), webhookWindow);
            ReplayGuard once = v.webhookSingleUse() ? nonces : null;
            verifiers.add(switch (preset.getKey()) {
                case "github" -> new GithubPreset(pc, keys, ctx.crypto(), once);
                case "stripe" -> new StripePreset(pc, keys, ctx.crypto(), once);
                case "slack" -> new SlackPreset(pc, keys, ctx.crypto(), once);
                default -> throw new IllegalStateException("unknown preset " + preset.getKey());
            });
        }

        Rfc9421Config rfc = Rfc9421Config.defaults()
                .withWindow(new TimeWindow(v.maxAge(), v.futureSkew()))
                .withRequireCreated(v.requireCreated())
                .withRequireNonce(v.requireNonce())
                .withDigestRequiredWithBody(v.requireContentDigest())
                .withRequiredLabels(Set.copyOf(v.labels()))
                .withClock(ctx.clock());
        if (!v.requiredComponents().isEmpty()) {
            rfc = rfc.withRequiredComponents(v.requiredComponents());
        }
        // Preset secrets are webhook-vendor secrets: they must not double as RFC 9421 keys.
        verifiers.add(new Rfc9421Verifier(rfc, keyId -> presetKeys.contains(keyId) ? java.util.Optional.empty()
                : keys.find(keyId), nonces, ctx.crypto()));

        Metrics m = ctx.metrics();
        m.gauge("sigcar.keys.loaded", "Keys currently loaded", keys::size);
        m.gauge("sigcar.keys.reload.failures", "Key directory reloads refused (last good set kept)",
                keys::reloadFailures);
        m.gauge("sigcar.nonce.cache.fill", "Live entries in the nonce cache", nonces::fill);
        m.gauge("sigcar.nonce.cache.capacity", "Slots in the nonce cache", nonces::capacity);

        SidecarConfig.ReplayStore store = v.replayStore();
        SharedReplay shared = null;
        if (store.shared()) {
            var claims = new java.util.concurrent.atomic.AtomicReference<SharedReplay>();
            SharedReplay.Listener listener = m.replayStore(() -> claims.get() == null || claims.get().up());
            try {
                shared = SharedReplay.open(ctx.vertx(), store, nonces, ctx.clock(), listener);
            } catch (java.io.IOException e) {
                watcher.close();
                scheduler.shutdownNow();
                keys.close();
                nonces.close();
                throw new ConfigException(String.valueOf(store.passwordFile()), Field.REPLAY_STORE_PASSWORD_FILE.key(),
                        "cannot be read: " + e.getMessage());
            }
            claims.set(shared);
        }
        SharedReplay sharedStore = shared;
        AutoCloseable resources = () -> {
            if (sharedStore != null) {
                sharedStore.close();
            }
            watcher.close();
            scheduler.shutdownNow();
            keys.close();
            nonces.close();
        };
        return new Sidecar.Verification(verifiers, () -> keys.size() > 0, resources, sharedStore);
    }
}
