package io.tributary.hub.store.local;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.tributary.hub.store.ShardKey;
import java.util.concurrent.TimeUnit;

/**
 * The meters of one shard, created once so the hot path only increments. Names (Prometheus form with
 * {@code _total}/{@code _seconds}): {@code tributary_store_append_records}, {@code tributary_store_append_bytes},
 * {@code tributary_store_append_batches}, {@code tributary_store_duplicate_batches}, {@code
 * tributary_store_busy_rejections}, {@code tributary_store_fsync} (timer), {@code tributary_store_group_commits},
 * {@code tributary_store_replica_append_batches}; tags {@code stream} and {@code shard}. The append counters count
 * every batch written, replicated ones included; the replica counter counts the replicated ones alone.
 *
 * <p>Threads: all meters are thread-safe.
 */
final class ShardMetrics {
    final Counter appendRecords;
    final Counter appendBytes;
    final Counter appendBatches;
    final Counter replicaAppendBatches;
    final Counter duplicateBatches;
    final Counter busyRejections;
    final Counter groupCommits;
    final Timer fsync;

    ShardMetrics(MeterRegistry registry, ShardKey key) {
        Tags tags = Tags.of("stream", key.stream(), "shard", key.shardId());
        appendRecords = counter(registry, tags, "append.records", "Records written (replicated ones included)");
        appendBytes = counter(registry, tags, "append.bytes", "Payload bytes written (replicated ones included)");
        appendBatches = counter(registry, tags, "append.batches", "Batches written (replicated ones included)");
        replicaAppendBatches =
                counter(registry, tags, "replica.append.batches", "Batches written as a replica of another region");
        duplicateBatches =
                counter(registry, tags, "duplicate.batches", "Batches found already stored and not written again");
        busyRejections =
                counter(registry, tags, "busy.rejections", "Appends refused because the shard's queue was full");
        groupCommits = counter(registry, tags, "group.commits", "Group commits (one write and fsync each)");
        fsync = Timer.builder("tributary.store.fsync")
                .description("FileChannel.force latency of a group commit")
                .tags(tags)
                .register(registry);
    }

    private static Counter counter(MeterRegistry registry, Tags tags, String name, String description) {
        return Counter.builder("tributary.store." + name)
                .description(description)
                .tags(tags)
                .register(registry);
    }

    void recordFsync(long nanos) {
        fsync.record(nanos, TimeUnit.NANOSECONDS);
    }
}
