package io.tributary.hub.store.local;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.hub.store.ShardKey;
import java.io.IOException;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings shards that a storage fault took OFFLINE back on their own, without a restart: a full disk (ENOSPC) or an
 * I/O error (EIO) in a write, fsync, segment roll, index write, directory sync or reopen. Every {@link #TICK_MS} it
 * looks at the store's shards; an offline one whose error is such an I/O error is reopened with full recovery ({@link
 * LocalShardStore#open}, as a restart would), with a per-shard backoff from {@link #FIRST_RETRY_MS} doubling to
 * {@link #MAX_RETRY_MS}, so a shard is back within seconds of the cause going away. A reopen that needs no write
 * succeeds on a disk that is still full, and the next append fails again: the backoff then goes on growing instead of
 * starting over (until the shard stayed online {@link #QUIET_MS}), so a full disk does not make the shard flap and
 * flood the log. Only the faulty shard is offline
 * meanwhile; its producers get a retriable refusal. A shard offline for corrupt data (a checksum that does not match)
 * is left to an operator: reopening it would cut the log at the damage.
 *
 * <p>Logs each failed attempt at WARN (with the next delay) and each recovery at INFO; counts them in {@code
 * tributary_store_shard_recovery_failures_total} and {@code tributary_store_shard_recoveries_total}.
 *
 * <p>Threads: one daemon thread of its own; the store's {@code open} serialises with everything else.
 */
final class ShardHealer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ShardHealer.class);
    static final long TICK_MS = 250;
    static final long FIRST_RETRY_MS = 500;
    static final long MAX_RETRY_MS = 5_000;
    /** A shard that stays online this long after a recovery starts its next fault with the first delay again. */
    static final long QUIET_MS = 60_000;

    private final Supplier<Map<ShardKey, LocalShard>> shards;
    private final Consumer<ShardKey> reopen;
    private final Counter recoveries;
    private final Counter failures;
    private final Map<ShardKey, Attempt> attempts = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "tributary-shard-healer");
        t.setDaemon(true);
        return t;
    });

    /**
     * When the next reopen of an offline shard is due, the delay after that one, since when it is offline, and when
     * it last came back (0: not yet).
     */
    private record Attempt(long dueNanos, long nextDelayMs, long offlineSinceNanos, long recoveredAtNanos) {}

    /**
     * @param shards the store's shards now
     * @param reopen reopens a shard with full recovery; throws when that fails
     */
    ShardHealer(Supplier<Map<ShardKey, LocalShard>> shards, Consumer<ShardKey> reopen, MeterRegistry registry) {
        this.shards = shards;
        this.reopen = reopen;
        this.recoveries = Counter.builder("tributary.store.shard.recoveries")
                .description("Shards a storage fault took offline that reopened on their own")
                .register(registry);
        this.failures = Counter.builder("tributary.store.shard.recovery.failures")
                .description("Reopen attempts of shards offline for a storage fault that failed (retried)")
                .register(registry);
    }

    ShardHealer start() {
        timer.scheduleWithFixedDelay(this::tick, TICK_MS, TICK_MS, TimeUnit.MILLISECONDS);
        return this;
    }

    /** True for an error a reopen may cure: an I/O error in the cause chain, and no corrupt or damaged data. */
    static boolean storageFault(Throwable error) {
        boolean io = false;
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof CorruptBatchException || t instanceof DamagedShardException) {
                return false;
            }
            io |= t instanceof IOException;
        }
        return io;
    }

    /** {@code disk_full} for ENOSPC/EDQUOT (by the errno text: Java has no type for them), else {@code io_error}. */
    static String kind(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String m = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
            if (m.contains("no space left on device") || m.contains("disk quota exceeded")) {
                return "disk_full";
            }
        }
        return "io_error";
    }

    void tick() {
        try {
            long now = System.nanoTime();
            Map<ShardKey, LocalShard> current = shards.get();
            attempts.keySet().retainAll(current.keySet());
            current.forEach((key, shard) -> {
                if (shard.online()) {
                    Attempt a = attempts.get(key);
                    if (a != null
                            && (a.recoveredAtNanos() == 0
                                    || now - a.recoveredAtNanos() > TimeUnit.MILLISECONDS.toNanos(QUIET_MS))) {
                        attempts.remove(key); // reopened by someone else, or quiet long enough
                    }
                } else if (storageFault(shard.offlineError())) {
                    heal(key, shard, now);
                }
            });
        } catch (RuntimeException e) {
            LOG.error("Shard healer tick failed; trying again", e); // never let the timer die
        }
    }

    private void heal(ShardKey key, LocalShard shard, long now) {
        Attempt a = attempts.get(key);
        if (a == null) {
            a = new Attempt(now, FIRST_RETRY_MS, now, 0);
        } else if (a.recoveredAtNanos() != 0) { // offline again soon after coming back: no fresh start
            a = new Attempt(
                    now + TimeUnit.MILLISECONDS.toNanos(a.nextDelayMs()),
                    Math.min(MAX_RETRY_MS, a.nextDelayMs() * 2),
                    now,
                    0);
        }
        attempts.put(key, a);
        if (now < a.dueNanos()) {
            return;
        }
        try {
            reopen.accept(key);
            attempts.put(key, new Attempt(0, a.nextDelayMs(), a.offlineSinceNanos(), System.nanoTime()));
            recoveries.increment();
            LOG.info(
                    "{}: shard back ONLINE after {} ms offline ({}), reopened with full recovery",
                    key,
                    TimeUnit.NANOSECONDS.toMillis(now - a.offlineSinceNanos()),
                    kind(shard.offlineError()));
        } catch (RuntimeException e) {
            failures.increment();
            long delay = a.nextDelayMs();
            attempts.put(
                    key,
                    new Attempt(
                            now + TimeUnit.MILLISECONDS.toNanos(delay),
                            Math.min(MAX_RETRY_MS, delay * 2),
                            a.offlineSinceNanos(),
                            0));
            LOG.warn("{}: shard still OFFLINE ({}): {}; next reopen in {} ms", key, kind(e), e.getMessage(), delay);
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
