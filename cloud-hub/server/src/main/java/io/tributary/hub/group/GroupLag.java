package io.tributary.hub.group;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.tributary.hub.store.ReadResult;
import io.tributary.hub.store.ShardInfo;
import io.tributary.hub.store.ShardKey;
import io.tributary.hub.store.ShardStatus;
import io.tributary.hub.store.ShardStore;
import io.tributary.hub.stream.StreamRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consumer-group lag: records after a group's checkpoint and the age of the first of them, per group shard.
 *
 * <p>The gauges ({@code tributary_group_lag_records}, {@code tributary_group_lag_seconds}) read cached values: a refresh on
 * the worker pool, every {@link #REFRESH}, computes them from the store, so a Prometheus scrape never touches the
 * store. A lag that cannot be computed is not reported as 0: the gauges show NaN, {@code
 * tributary_group_lag_failures_total} counts the failed computations, and a warning is logged when a shard's lag
 * starts failing (and an info line when it recovers). The gauges of a deleted stream's shards are removed.
 *
 * <p>Thread rules: {@link #track} from the group thread; {@link #compute} from any thread (it blocks on the store).
 */
final class GroupLag {
    private static final Logger log = LoggerFactory.getLogger(GroupLag.class);
    static final Duration REFRESH = Duration.ofSeconds(1);

    /** Lag of one group shard. */
    record Lag(long records, long millis) {}

    private final StreamRegistry streams;
    private final ShardStore store;
    private final Clock clock;
    private final MeterRegistry registry;
    private final Executor worker;
    private final Counter failures;
    private final Map<GroupShard, Tracked> tracked = new ConcurrentHashMap<>();
    private final AtomicBoolean refreshing = new AtomicBoolean();

    /** The position a group shard was last seen at and its lag as last computed (NaN: unknown). */
    private static final class Tracked {
        volatile long checkpoint;
        volatile boolean ended;
        volatile double records = Double.NaN;
        volatile double millis = Double.NaN;
        boolean failing;
        List<Meter> gauges = List.of();

        Tracked(long checkpoint, boolean ended) {
            this.checkpoint = checkpoint;
            this.ended = ended;
        }
    }

    GroupLag(
            StreamRegistry streams,
            ShardStore store,
            Clock clock,
            MeterRegistry registry,
            Executor worker,
            ScheduledExecutorService scheduler) {
        this.streams = streams;
        this.store = store;
        this.clock = clock;
        this.registry = registry;
        this.worker = worker;
        this.failures = Counter.builder("tributary.group.lag.failures")
                .description("Computations of a group shard's lag that failed (its lag gauges show NaN)")
                .register(registry);
        long every = REFRESH.toMillis();
        scheduler.scheduleWithFixedDelay(this::scheduleRefresh, every, every, TimeUnit.MILLISECONDS);
    }

    /** Publishes a group shard's checkpoint; registers its gauges the first time. Cheap; the group thread. */
    void track(GroupShard key, long checkpoint, boolean ended) {
        Tracked t = tracked.get(key);
        if (t != null) {
            t.checkpoint = checkpoint;
            t.ended = ended;
            return;
        }
        Tracked fresh = new Tracked(checkpoint, ended);
        tracked.put(key, fresh);
        Tags tags = Tags.of("stream", key.stream(), "group", key.group(), "shard", key.shardId());
        fresh.gauges = List.of(
                Gauge.builder("tributary.group.lag.records", fresh, x -> x.records)
                        .tags(tags)
                        .description("Records after the group's checkpoint (NaN when it cannot be computed)")
                        .register(registry),
                Gauge.builder("tributary.group.lag", fresh, x -> x.millis / 1000.0)
                        .tags(tags)
                        .description(
                                "Age of the oldest record after the group's checkpoint (NaN when it cannot be computed)")
                        .baseUnit("seconds")
                        .register(registry));
        try {
            worker.execute(() -> refresh(key, fresh));
        } catch (RejectedExecutionException e) {
            // Stopping.
        }
    }

    private void scheduleRefresh() {
        if (!refreshing.compareAndSet(false, true)) {
            return; // the previous refresh is still running
        }
        try {
            worker.execute(() -> {
                try {
                    refreshAll();
                } finally {
                    refreshing.set(false);
                }
            });
        } catch (RejectedExecutionException e) {
            refreshing.set(false); // stopping
        }
    }

    /** Stops tracking the group shards {@code which} selects (deleted, let go) and removes their gauges at once. */
    void forget(Predicate<GroupShard> which) {
        for (Map.Entry<GroupShard, Tracked> e : tracked.entrySet()) {
            if (which.test(e.getKey()) && tracked.remove(e.getKey(), e.getValue())) {
                e.getValue().gauges.forEach(registry::remove);
            }
        }
    }

    /** Refreshes every tracked group shard; drops those whose stream or shard is gone (deleted). */
    void refreshAll() {
        for (Map.Entry<GroupShard, Tracked> e : tracked.entrySet()) {
            GroupShard key = e.getKey();
            boolean exists = streams.find(key.stream())
                    .flatMap(d -> d.shard(key.shardId()))
                    .isPresent();
            if (exists) {
                refresh(key, e.getValue());
            } else if (tracked.remove(key, e.getValue())) {
                e.getValue().gauges.forEach(registry::remove);
            }
        }
    }

    private void refresh(GroupShard key, Tracked t) {
        try {
            Lag lag = compute(key.shardKey(), t.checkpoint, t.ended);
            t.records = lag.records;
            t.millis = lag.millis;
            if (t.failing) {
                t.failing = false;
                log.info("lag of group {} is known again", key);
            }
        } catch (WrittenElsewhere e) {
            // Not a failure: the hub that writes the shard knows its end (a store several hubs share).
            t.records = Double.NaN;
            t.millis = Double.NaN;
        } catch (RuntimeException e) {
            failures.increment();
            t.records = Double.NaN;
            t.millis = Double.NaN;
            if (!t.failing) {
                t.failing = true;
                log.warn("lag of group {} cannot be computed: {}", key, e.toString());
            }
        }
    }

    /** The shard is written by another hub (a store several hubs share): its lag is not known here. */
    static final class WrittenElsewhere extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        WrittenElsewhere(String message) {
            super(message);
        }
    }

    /**
     * Records after {@code checkpoint} and the age of the first of them; blocks on the store.
     *
     * @throws RuntimeException when the shard cannot be read
     */
    Lag compute(ShardKey key, long checkpoint, boolean ended) {
        if (ended) {
            return new Lag(0, 0);
        }
        ShardInfo info = store.info(key);
        if (info.status() == ShardStatus.WRITTEN_ELSEWHERE || info.status() == ShardStatus.REPLICA) {
            throw new WrittenElsewhere("shard " + key + " is " + info.cause() + ": its lag is known there");
        }
        if (info.status() != ShardStatus.ONLINE) {
            throw new IllegalStateException("shard " + key + " is offline: " + info.cause());
        }
        long from = Math.max(checkpoint + 1, info.oldestSequence());
        long records = Math.max(0, info.nextSequence() - from);
        if (records == 0) {
            return new Lag(0, 0);
        }
        ReadResult r = store.read(key, from, 1, 1);
        long ms = r.batches().isEmpty()
                ? 0
                : Math.max(0, clock.millis() - r.batches().get(0).appendTimeMs());
        return new Lag(records, ms);
    }
}
