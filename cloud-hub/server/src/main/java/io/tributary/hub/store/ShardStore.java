package io.tributary.hub.store;

import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Durable, ordered storage of record batches per shard: the hub's storage SPI. Implemented by the local segment log
 * ({@code io.tributary.hub.store.local.LocalShardStore}) and, later, by an Apache Pulsar store.
 *
 * <p><b>Sequences.</b> Each shard numbers its records from 0 without gaps; a batch of {@code n} records appended at
 * base {@code b} holds {@code b .. b+n-1}. Sequences are never reused, even after retention.
 *
 * <p><b>Durability.</b> The future of {@link #append} completes only when the batch is durable (for the local store:
 * after the {@code fsync} of the group commit that covers it), unless the store was configured with a relaxed
 * durability mode, which the implementation documents. Readers never see data that is not durable.
 *
 * <p><b>Exactly once.</b> Each batch carries its producer run ({@link ProducerKey} plus producer sequences). The store
 * remembers per producer the highest stored sequence and a window of recent runs, rebuilt on open, so that a
 * retried batch is recognised across restarts and answered as {@link AppendResult.Status#DUPLICATE} instead of being
 * stored twice.
 *
 * <p><b>Threads.</b> All methods are thread-safe. Methods returning futures never block on disk; their futures may
 * complete on a store-owned thread, so callbacks must be short and must not block (hop to your own executor).
 * {@link #read}, {@link #sequenceForTimestamp} and {@link #info} may do blocking disk reads on the caller's thread:
 * never call them from an event loop. Reads never block appends.
 *
 * <p><b>Errors.</b> Failures are {@link ShardStoreException}s (thrown, or failing the future): {@link
 * StoreBusyException} (retriable backpressure), {@link ShardUnavailableException} (shard OFFLINE or not open), {@link
 * TrimmedException} and {@link ProducerSequenceException}. An I/O failure takes one shard OFFLINE, never the store.
 */
public interface ShardStore extends AutoCloseable {

    /**
     * Opens a shard, creating it when it does not exist, and recovers it (validates, truncates a torn tail, rebuilds
     * indexes and producer state). Opening an ONLINE shard does nothing; opening an OFFLINE shard retries recovery.
     *
     * @return the shard's state after opening
     * @throws ShardUnavailableException when recovery fails; the shard then stays known as OFFLINE
     */
    ShardInfo open(ShardKey shard);

    /** The shards opened (ONLINE or OFFLINE) and not deleted. */
    Set<ShardKey> shards();

    /**
     * Appends a batch, or recognises it as a duplicate of a stored producer run.
     *
     * @return completes with the assigned base sequence once durable; fails with {@link StoreBusyException} when the
     *     shard's queue is full, {@link ProducerSequenceException} on a partly overlapping run, {@link
     *     ShardUnavailableException} when the shard is OFFLINE or not open
     */
    CompletableFuture<AppendResult> append(ShardKey shard, BatchToAppend batch);

    /**
     * Reads whole batches starting with the one that contains {@code fromSequence}. Returns at least one batch when
     * {@code fromSequence} is below the high-water mark, even if that batch is larger than {@code maxBytes}; stops
     * before exceeding {@code maxRecords} or {@code maxBytes} otherwise. Reading at the high-water mark returns no
     * batches.
     *
     * @throws TrimmedException when {@code fromSequence} is below the oldest retained sequence
     * @throws IllegalArgumentException when {@code fromSequence} is above the high-water mark
     */
    ReadResult read(ShardKey shard, long fromSequence, int maxRecords, int maxBytes);

    /**
     * The first sequence of the first batch whose <em>append time</em> (hub clock, non-decreasing per shard) is at or
     * after {@code timestampMs}; the oldest sequence when all retained batches are newer, the high-water mark when
     * none is. Append time rather than event time because event times are set by devices and are not ordered.
     */
    long sequenceForTimestamp(ShardKey shard, long timestampMs);

    /** The shard's current state; works for OFFLINE shards too. */
    ShardInfo info(ShardKey shard);

    /**
     * Whether a producer run is already durable in the shard. The answer reflects every append completed before the
     * call. {@link #append} performs the same check itself, atomically with the write, so the ingest layer does not
     * need to call this before appending; it serves admin tools and replication catch-up.
     */
    CompletableFuture<ProducerLookup> lookupProducer(ShardKey shard, ProducerKey producer, long firstSeq, long lastSeq);

    /** Deletes whole segments beyond the policy, oldest first, never the segment being written. */
    CompletableFuture<RetentionResult> enforceRetention(ShardKey shard, RetentionPolicy policy);

    /** Closes the shard and deletes all its data. Pending appends fail. */
    CompletableFuture<Void> delete(ShardKey shard);

    /** Completes queued appends, flushes, and closes every shard. Idempotent. */
    @Override
    void close();
}
