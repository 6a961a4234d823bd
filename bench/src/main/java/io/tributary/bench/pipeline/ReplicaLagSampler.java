package io.tributary.bench.pipeline;

import io.tributary.hub.client.AdminClient;
import io.tributary.hub.client.core.ClientOptions;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.hub.client.core.HubClientException;
import io.tributary.protocol.v1.ReplicaLag;
import io.tributary.protocol.v1.ShardDescription;
import io.tributary.protocol.v1.StreamDescription;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * Samples how far one replica region is behind a replicated stream's home, per shard: every {@code period} it asks the
 * home hub to describe the stream ({@code admin streams describe}: per shard and region, records and milliseconds
 * behind) and keeps the latest and the largest values per shard, and histograms of every sample (all shards pooled).
 * A failed describe is counted and the connection opened again at the next tick. Runs on a daemon thread of its own
 * until {@link #close}.
 *
 * <p>Threads: thread-safe; the sampling thread writes, any thread reads.
 */
public final class ReplicaLagSampler implements AutoCloseable {
    private static final long CATCH_UP_POLL_NANOS = 10_000_000;

    /** One shard's lag: the latest sample and the largest seen. */
    public record ShardLag(long records, long ms, long maxRecords, long maxMs) {}

    private final ClientResources resources;
    private final ClientOptions home;
    private final String stream;
    private final String region;
    private final long periodNanos;
    private final Thread thread;
    private final Map<String, ShardLag> shards = new LinkedHashMap<>();
    private final Histogram lagMs = new Histogram(3);
    private final Histogram lagRecords = new Histogram(3);
    private long rounds;
    private long errors;
    private String lastError = "";
    private volatile boolean closed;

    private ReplicaLagSampler(
            ClientResources resources, ClientOptions home, String stream, String region, Duration period) {
        this.resources = resources;
        this.home = home;
        this.stream = stream;
        this.region = region;
        this.periodNanos = period.toNanos();
        this.thread = new Thread(this::loop, "replica-lag-" + region);
        this.thread.setDaemon(true);
    }

    /** Starts sampling {@code stream}'s lag towards {@code region} at the hub {@code home}, every {@code period}. */
    public static ReplicaLagSampler start(
            ClientResources resources, ClientOptions home, String stream, String region, Duration period) {
        ReplicaLagSampler s = new ReplicaLagSampler(resources, home, stream, region, period);
        s.thread.start();
        return s;
    }

    private void loop() {
        AdminClient admin = null;
        long next = System.nanoTime();
        try {
            while (!closed) {
                try {
                    if (admin == null) {
                        admin = AdminClient.connect(resources, home);
                    }
                    record(admin.describeStream(stream));
                } catch (HubClientException e) {
                    failed(e);
                    if (admin != null) {
                        admin.close();
                        admin = null;
                    }
                }
                next += periodNanos;
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                } else {
                    next = System.nanoTime(); // fell behind (a slow describe): no burst to catch up
                }
            }
        } finally {
            if (admin != null) {
                admin.close();
            }
        }
    }

    private synchronized void failed(HubClientException e) {
        errors++;
        lastError = e.getMessage();
    }

    private synchronized void record(StreamDescription d) {
        for (ShardDescription shard : d.getShardsList()) {
            for (ReplicaLag lag : shard.getReplicaLagList()) {
                if (!lag.getRegion().equals(region)) {
                    continue;
                }
                ShardLag before = shards.get(shard.getShardId());
                long records = lag.getLagRecords();
                long ms = lag.getLagMs();
                shards.put(
                        shard.getShardId(),
                        new ShardLag(
                                records,
                                ms,
                                Math.max(records, before == null ? 0 : before.maxRecords()),
                                Math.max(ms, before == null ? 0 : before.maxMs())));
                lagMs.recordValue(ms);
                lagRecords.recordValue(records);
            }
        }
        rounds++;
    }

    /** Per shard, in the hub's order: the latest sample and the largest. */
    public synchronized Map<String, ShardLag> shards() {
        return new LinkedHashMap<>(shards);
    }

    /** Every sample's milliseconds behind (a copy). */
    public synchronized Histogram lagMs() {
        return lagMs.copy();
    }

    /** Every sample's records behind (a copy). */
    public synchronized Histogram lagRecords() {
        return lagRecords.copy();
    }

    /** Describes answered so far. */
    public synchronized long rounds() {
        return rounds;
    }

    /** Describes that failed so far. */
    public synchronized long errors() {
        return errors;
    }

    public synchronized String lastError() {
        return lastError;
    }

    /** The largest of the shards' latest samples, e.g. {@code "us 1,200 rec / 35 ms behind"}, for a live line. */
    public synchronized String brief() {
        long records = 0;
        long ms = 0;
        for (ShardLag l : shards.values()) {
            records = Math.max(records, l.records());
            ms = Math.max(ms, l.ms());
        }
        return String.format(java.util.Locale.ROOT, "%s %,d rec / %,d ms behind", region, records, ms);
    }

    /**
     * Waits until the home says, in a describe asked after this call, that no shard is behind, or {@code timeout}
     * passed. Asks every 10 ms on a connection of its own; those answers are not samples.
     *
     * @return whether the replica caught up in time
     */
    public boolean awaitCaughtUp(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (AdminClient admin = AdminClient.connect(resources, home)) {
            while (true) {
                if (caughtUp(admin.describeStream(stream))) {
                    return true;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                LockSupport.parkNanos(Math.min(left, CATCH_UP_POLL_NANOS));
            }
        } catch (HubClientException e) {
            failed(e);
            return false;
        }
    }

    private boolean caughtUp(StreamDescription d) {
        for (ShardDescription shard : d.getShardsList()) {
            boolean seen = false;
            for (ReplicaLag lag : shard.getReplicaLagList()) {
                if (lag.getRegion().equals(region)) {
                    seen = true;
                    if (lag.getLagRecords() > 0) {
                        return false;
                    }
                }
            }
            if (!seen) {
                return false;
            }
        }
        return true;
    }

    /** Stops sampling and waits (at most 5 s) for the thread. */
    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(thread);
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
