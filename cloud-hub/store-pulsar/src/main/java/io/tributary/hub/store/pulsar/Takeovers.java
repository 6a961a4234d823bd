package io.tributary.hub.store.pulsar;

import io.tributary.hub.store.ShardKey;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reopens the store's shards that are not ONLINE, so that a shard another hub writes is taken over once that hub is
 * gone (its process died and the broker dropped its exclusive producer, or it closed the shard), and a shard whose
 * producer this store lost (fenced, a broker restart past the send timeout) is taken again or found written elsewhere.
 * A shard written elsewhere is tried every {@code interval} (while the topic's stats still list its holder, a try is
 * one admin call: see {@link Writers#probe}); one that failed otherwise (its scan read a damaged topic, the broker is
 * down, the topic was deleted) backs off, doubling up to 32 intervals, since each try may read the whole topic. An append to a shard that is not ONLINE asks for a try at once, within the same limits.
 *
 * <p>Threads: every try runs on the one thread {@code pulsar-store-takeover}, so tries of one store never overlap;
 * {@link #nudge} may be called from any thread and does not block.
 */
final class Takeovers implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Takeovers.class);
    private static final int MAX_DOUBLINGS = 5;

    private final long intervalNanos;
    private final Supplier<Iterable<ShardKey>> shards;
    private final Function<ShardKey, Outcome> reopen;
    private final ScheduledExecutorService thread;
    /** Per shard: when the next try is due (System.nanoTime) and how many failed in a row. */
    private final Map<ShardKey, Due> due = new ConcurrentHashMap<>();

    private record Due(long atNanos, int failures) {}

    /** What a try found. */
    enum Outcome {
        /** The shard is ONLINE here (or gone): nothing more to try. */
        TAKEN,
        /** Another producer still holds the topic: try again in an interval. */
        HELD_ELSEWHERE,
        /** It failed otherwise (a scan, the broker): try again after a growing wait. */
        FAILED
    }

    /**
     * @param shards the store's shards that are not ONLINE (and not closed)
     * @param reopen tries to open one and says what it found
     */
    Takeovers(Duration interval, Supplier<Iterable<ShardKey>> shards, Function<ShardKey, Outcome> reopen) {
        this.intervalNanos = interval.toNanos();
        this.shards = shards;
        this.reopen = reopen;
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "pulsar-store-takeover");
            t.setDaemon(true);
            return t;
        });
        thread.scheduleWithFixedDelay(this::tick, intervalNanos, intervalNanos, TimeUnit.NANOSECONDS);
    }

    /** An append found {@code key} not ONLINE: try it now unless a try is not due yet. */
    void nudge(ShardKey key) {
        if (isDue(key, System.nanoTime())) {
            try {
                thread.execute(() -> tryNow(key));
            } catch (RejectedExecutionException e) {
                // closed: the store is closing
            }
        }
    }

    private boolean isDue(ShardKey key, long now) {
        Due d = due.get(key);
        return d == null || now - d.atNanos() >= 0;
    }

    private void tick() {
        try {
            for (ShardKey key : shards.get()) {
                tryNow(key);
            }
        } catch (RuntimeException e) {
            LOG.warn("takeover round failed: {}", e.toString(), e);
        }
    }

    private void tryNow(ShardKey key) {
        long now = System.nanoTime();
        if (!isDue(key, now)) {
            return;
        }
        // Due again one interval after this try at the earliest, whatever it takes; set before the try so a nudge
        // meanwhile does not queue another.
        due.put(
                key,
                new Due(
                        now + intervalNanos,
                        due.getOrDefault(key, new Due(0, 0)).failures()));
        Outcome after;
        try {
            after = reopen.apply(key);
        } catch (RuntimeException e) {
            LOG.debug("{}: reopen failed: {}", key, e.toString());
            after = Outcome.FAILED;
        }
        long end = System.nanoTime();
        switch (after) {
            case TAKEN -> due.remove(key);
            case HELD_ELSEWHERE -> due.put(key, new Due(end + intervalNanos, 0));
            case FAILED -> {
                int failures = due.get(key) == null ? 1 : due.get(key).failures() + 1;
                long wait = intervalNanos << Math.min(failures - 1, MAX_DOUBLINGS);
                due.put(key, new Due(end + wait, failures));
            }
        }
    }

    /** Forgets a shard (deleted or closed). */
    void forget(ShardKey key) {
        due.remove(key);
    }

    /** Stops the tries; one running finishes. */
    @Override
    public void close() {
        thread.shutdownNow();
    }
}
