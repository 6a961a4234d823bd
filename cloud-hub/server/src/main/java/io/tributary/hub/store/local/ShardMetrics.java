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
        appendRecords = registry.counter("tributary.store.append.records", tags);
        appendBytes = registry.counter("tributary.store.append.bytes", tags);
        appendBatches = registry.counter("tributary.store.append.batches", tags);
        replicaAppendBatches = registry.counter("tributary.store.replica.append.batches", tags);
        duplicateBatches = registry.counter("tributary.store.duplicate.batches", tags);
        busyRejections = registry.counter("tributary.store.busy.rejections", tags);
        groupCommits = registry.counter("tributary.store.group.commits", tags);
        fsync = Timer.builder("tributary.store.fsync")
                .description("FileChannel.force latency of a group commit")
                .tags(tags)
                .register(registry);
    }

    void recordFsync(long nanos) {
        fsync.record(nanos, TimeUnit.NANOSECONDS);
    }
}
