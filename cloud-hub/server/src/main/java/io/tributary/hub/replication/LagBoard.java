package io.tributary.hub.replication;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.hub.store.ShardKey;
import io.tributary.protocol.time.Ticker;
import io.tributary.protocol.v1.ReplicaLag;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * How far each replica is behind, per shard and replica region, for metrics, {@code admin streams describe} and
 * {@code /health}. On the home there is one entry per shard and replica region; on a replica one per shard, for its
 * own region. Records behind = the home's high-water mark − the replica's durable one. Milliseconds behind = 0 when
 * caught up, else the age (home clock) of the oldest batch sent and not yet durable in the replica, or — when nothing
 * is on its way (link down, window full, a read between two sends) — the time since the replica last had everything
 * sent to it durable (an upper bound of the age of what it lacks).
 *
 * <p>Thread rules: thread-safe; writers are the replication links (one writer per entry), readers any thread.
 */
public final class LagBoard {
    private static final long RATE_WINDOW_MS = 10_000;

    private final MeterRegistry registry;
    private final Clock clock;
    private final Map<Key, Entry> entries = new ConcurrentHashMap<>();

    LagBoard(MeterRegistry registry, Clock clock) {
        this.registry = registry;
        this.clock = clock;
    }

    private record Key(ShardKey shard, String region) {}

    /** One shard's replication towards one region. */
    static final class Entry {
        private final Clock clock;
        private final LongSupplier homeNext;
        /** The replica's durable high-water mark. */
        volatile long replicaNext;
        /** Append time (home clock) of the oldest batch sent and not yet durable in the replica; 0 when none. */
        volatile long oldestPendingAppendMs;

        private volatile long behindSinceMs;
        volatile String state = "connecting";
        /** On a replica: the home's high-water mark as last reported. */
        volatile long homeNextSeen;

        private final ArrayDeque<long[]> samples = new ArrayDeque<>();
        private final List<Meter> meters = new ArrayList<>();
        /** The rate's samples: a duration, so a wall clock set back cannot pin old samples in the window. */
        private final Ticker ticker;

        private long bytes;

        Entry(Clock clock, LongSupplier homeNext) {
            this.clock = clock;
            this.ticker = Ticker.of(clock);
            this.homeNext = homeNext;
        }

        long lagRecords() {
            return Math.max(0, homeNext.getAsLong() - replicaNext);
        }

        long lagMs() {
            long now = clock.millis();
            if (lagRecords() == 0) {
                behindSinceMs = 0;
                return 0;
            }
            long pending = oldestPendingAppendMs;
            if (pending > 0) {
                return Math.max(0, now - pending);
            }
            if (behindSinceMs == 0) {
                behindSinceMs = now;
            }
            return now - behindSinceMs;
        }

        /** On a replica: the home reported its high-water mark. */
        void home(long next) {
            homeNextSeen = Math.max(homeNextSeen, next);
        }

        /** On a replica: everything below {@code next} is durable here, {@code n} bytes more than before. */
        void applied(long next, long n) {
            replicaNext = next;
            replicatedBytes(n);
        }

        /** {@code n} more bytes became durable in the replica. */
        synchronized void replicatedBytes(long n) {
            bytes += n;
            long now = clock.millis();
            if (oldestPendingAppendMs == 0) {
                // Caught up with everything sent: what is behind now arrived after this moment (or is not sent yet).
                behindSinceMs = now;
            }
            long tick = ticker.monotonicMillis();
            samples.addLast(new long[] {tick, bytes});
            while (samples.size() > 2 && samples.peekFirst()[0] < tick - RATE_WINDOW_MS) {
                samples.removeFirst();
            }
        }

        synchronized double bytesPerSecond() {
            long now = ticker.monotonicMillis();
            while (!samples.isEmpty() && samples.peekFirst()[0] < now - RATE_WINDOW_MS) {
                samples.removeFirst();
            }
            if (samples.size() < 2) {
                return 0;
            }
            long[] first = samples.peekFirst();
            long[] last = samples.peekLast();
            return (last[1] - first[1]) * 1000.0 / Math.max(1000, now - first[0]);
        }

        ReplicaLag toProto(String region) {
            return ReplicaLag.newBuilder()
                    .setRegion(region)
                    .setNextSequence(replicaNext)
                    .setLagRecords(lagRecords())
                    .setLagMs(lagMs())
                    .setBytesPerSecond(bytesPerSecond())
                    .setState(state)
                    .build();
        }
    }

    /** The entry of {@code shard} towards {@code region}, created (with its gauges) on first use. */
    Entry entry(ShardKey shard, String region, LongSupplier homeNext) {
        return entries.computeIfAbsent(new Key(shard, region), k -> {
            Entry e = new Entry(clock, homeNext);
            String[] tags = {"stream", shard.stream(), "shard", shard.shardId(), "region", region};
            e.meters.add(Gauge.builder("tributary.replication.lag.records", e, Entry::lagRecords)
                    .description("Records the replica region is behind the home, per shard")
                    .tags(tags)
                    .strongReference(true)
                    .register(registry));
            e.meters.add(Gauge.builder("tributary.replication.lag", e, x -> x.lagMs() / 1000.0)
                    .description("How far the replica region is behind the home, per shard (0 when caught up)")
                    .baseUnit("seconds")
                    .tags(tags)
                    .strongReference(true)
                    .register(registry));
            // a rate, not an amount: named bytes_per_second (a plain _bytes suffix said "bytes")
            e.meters.add(Gauge.builder("tributary.replication.throughput", e, Entry::bytesPerSecond)
                    .description("Bytes per second made durable in the replica region, over the last 10 s")
                    .baseUnit("bytes.per.second")
                    .tags(tags)
                    .strongReference(true)
                    .register(registry));
            return e;
        });
    }

    /** Every region's lag of one shard, for describe. */
    public List<ReplicaLag> lagOf(ShardKey shard) {
        List<ReplicaLag> out = new ArrayList<>();
        entries.forEach((k, e) -> {
            if (k.shard().equals(shard)) {
                out.add(e.toProto(k.region()));
            }
        });
        out.sort((a, b) -> a.getRegion().compareTo(b.getRegion()));
        return out;
    }

    /** Shards whose replication is behind by more than {@code maxRecords} or not following, for health. */
    public List<String> problems(long maxRecords) {
        List<String> out = new ArrayList<>();
        entries.forEach((k, e) -> {
            long lag = e.lagRecords();
            if (lag > maxRecords) {
                out.add(k.shard() + " -> " + k.region() + ": " + lag + " records behind");
            } else if (lag > 0 && !e.state.equals("following")) {
                out.add(k.shard() + " -> " + k.region() + ": " + e.state);
            }
        });
        return out;
    }

    /** Forgets entries of a stream (deleted here, or its role here changed) and removes their gauges. */
    void forget(String stream) {
        entries.entrySet().removeIf(en -> {
            if (!en.getKey().shard().stream().equals(stream)) {
                return false;
            }
            en.getValue().meters.forEach(registry::remove);
            return true;
        });
    }
}
