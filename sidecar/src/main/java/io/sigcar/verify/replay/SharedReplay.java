package io.sigcar.verify.replay;

import io.sigcar.config.SidecarConfig;
import io.sigcar.reject.Reason;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClientOptions;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The replay store every replica shares: a Redis, in front of which each replica's local table
 * answers the replays it has seen itself. A use the local table accepted is claimed with
 * {@code SET key 1 NX PX <rest of its window>}, so exactly one replica wins it and every other
 * is told {@link Reason#REPLAYED}. It fails closed: a store that does not answer within the
 * timeout refuses the request ({@link Reason#REPLAY_STORE_UNAVAILABLE}), and the local entry is
 * dropped so that the client's retry is judged afresh; if the store's answer comes after all and
 * says it recorded the use, the use is taken back (deleted only while it still holds this
 * claim's own value, so another replica's use is never undone). Claims go over one pipelined
 * connection, reopened by the next claim after it broke or after {@value #STUCK} timeouts in a
 * row: the store comes back by itself.
 *
 * <p>Keys are {@code sigcar:replay:} and the SHA-256 of keyid and token, so nonces and webhook
 * ids are not stored as sent.
 */
public final class SharedReplay implements AutoCloseable {

    /** What each claim reports, for the metrics. */
    public interface Listener {
        void claimed(long nanos, boolean answered);
    }

    private static final String PREFIX = "sigcar:replay:";
    /** Timeouts in a row after which the connection is taken for stuck and replaced. */
    static final int STUCK = 8;
    private static final String RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then"
            + " return redis.call('del', KEYS[1]) else return 0 end";
    private static final HexFormat HEX = HexFormat.of();

    private final Redis client;
    private final ReplayGuard local;
    private final long timeoutMillis;
    private final InstantSource clock;
    private final Listener listener;
    /** Each claim's value: unique, so a late take-back removes this claim's key and no other's. */
    private final String instance = Long.toHexString(new java.security.SecureRandom().nextLong());
    private final java.util.concurrent.atomic.AtomicLong sequence = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicInteger timeoutsInARow = new java.util.concurrent.atomic.AtomicInteger();
    private Future<RedisConnection> connection;
    private volatile boolean up = true;

    private SharedReplay(Redis client, ReplayGuard local, long timeoutMillis, InstantSource clock, Listener listener) {
        this.client = client;
        this.local = local;
        this.timeoutMillis = timeoutMillis;
        this.clock = clock;
        this.listener = listener;
    }

    /**
     * @param local the table that answers first, and forgets what the store could not confirm
     * @throws IOException when the password file cannot be read
     */
    public static SharedReplay open(Vertx vertx, SidecarConfig.ReplayStore config, ReplayGuard local,
            InstantSource clock, Listener listener) throws IOException {
        int timeout = (int) Math.max(1, config.timeout().toMillis());
        RedisOptions options = new RedisOptions().setConnectionString(config.uri().toString())
                .setNetClientOptions(new NetClientOptions().setConnectTimeout(timeout).setTcpNoDelay(true))
                .setMaxWaitingHandlers(4096);
        if (config.passwordFile() != null) {
            options.setPassword(Files.readString(config.passwordFile(), StandardCharsets.UTF_8).strip());
        }
        return new SharedReplay(Redis.createClient(vertx, options), local, timeout, clock, listener);
    }

    /** Empty when every claim is new everywhere; else {@link Reason#REPLAYED} or {@link Reason#REPLAY_STORE_UNAVAILABLE}. */
    public Future<Optional<Reason>> claim(List<Claim> claims) {
        long start = System.nanoTime();
        long nowMillis = clock.millis();
        String value = instance + ":" + sequence.incrementAndGet();
        List<String> keys = new ArrayList<>(claims.size());
        List<Request> sets = new ArrayList<>(claims.size());
        for (Claim c : claims) {
            long ttl = Math.max(1, c.untilEpochSecond() * 1000 + 1000 - nowMillis);
            String key = key(c);
            keys.add(key);
            sets.add(Request.cmd(Command.SET).arg(key).arg(value).arg("NX").arg("PX").arg(ttl));
        }
        Future<RedisConnection> via = connection();
        Future<List<Response>> sent = via.compose(c -> c.batch(sets));
        return sent.timeout(timeoutMillis, TimeUnit.MILLISECONDS)
                .transform(answer -> {
                    listener.claimed(System.nanoTime() - start, answer.succeeded());
                    if (answer.failed()) {
                        up = false;
                        claims.forEach(c -> local.forget(c.keyId(), c.token()));
                        // Answered late after all: what it recorded belongs to a refused request.
                        sent.onSuccess(late -> via.result().batch(releases(keys, value)));
                        if (!(answer.cause() instanceof java.util.concurrent.TimeoutException)
                                || timeoutsInARow.incrementAndGet() >= STUCK) {
                            timeoutsInARow.set(0);
                            drop(via);
                        }
                        return Future.succeededFuture(Optional.of(Reason.REPLAY_STORE_UNAVAILABLE));
                    }
                    up = true;
                    timeoutsInARow.set(0);
                    for (Response set : answer.result()) {
                        if (set == null) { // NX: the key was there already, another replica took this use
                            return Future.succeededFuture(Optional.of(Reason.REPLAYED));
                        }
                    }
                    return Future.succeededFuture(Optional.<Reason>empty());
                });
    }

    /** False after a claim the store did not answer, until one it does. */
    public boolean up() {
        return up;
    }

    private synchronized Future<RedisConnection> connection() {
        if (connection == null) {
            Future<RedisConnection> opening = client.connect();
            connection = opening;
            opening.onSuccess(c -> {
                c.exceptionHandler(e -> drop(opening));
                c.endHandler(v -> drop(opening));
            }).onFailure(e -> drop(opening));
        }
        return connection;
    }

    private synchronized void drop(Future<RedisConnection> which) {
        if (connection == which) {
            connection = null;
            if (which.succeeded()) {
                which.result().close();
            }
        }
    }

    private synchronized void drop() {
        if (connection != null) {
            drop(connection);
        }
    }

    private static List<Request> releases(List<String> keys, String value) {
        List<Request> out = new ArrayList<>(keys.size());
        for (String key : keys) {
            out.add(Request.cmd(Command.EVAL).arg(RELEASE).arg(1).arg(key).arg(value));
        }
        return out;
    }

    private static String key(Claim c) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(c.keyId().getBytes(StandardCharsets.UTF_8));
            sha.update((byte) '\n');
            sha.update(c.token().getBytes(StandardCharsets.UTF_8));
            return PREFIX + HEX.formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    @Override
    public void close() {
        drop();
        client.close();
    }
}
