package io.tributary.hub.store;

import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Durable, ordered storage of record batches per shard: the hub's storage SPI. Implemented by the local segment log
 * ({@code io.tributary.hub.store.local.LocalShardStore}) and by Apache Pulsar ({@code
 * io.tributary.hub.store.pulsar.PulsarShardStore}, module {@code store-pulsar}, which documents what it does not
 * support yet). The tests every store passes: {@code ShardStoreContract} in this module's test jar.
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
 * StoreBusyException} (retriable backpressure), {@link ShardUnavailableException} (shard OFFLINE or not open; its
 * subclass {@link ShardWrittenElsewhereException} when another hub writes the shard of a shared store), {@link
 * TrimmedException} and {@link ProducerSequenceException}. An I/O failure takes one shard OFFLINE, never the store.
 */
public interface ShardStore extends AutoCloseable {

    /**
     * Opens a shard, creating it when it does not exist, and recovers it (validates, truncates a torn tail, rebuilds
     * indexes and producer state). Opening an ONLINE shard does nothing; opening an OFFLINE shard retries recovery.
     *
     * <p>A store several hubs share (Pulsar's) lets one of them write a shard at a time: when another hub writes it,
     * open returns its state as {@link ShardStatus#WRITTEN_ELSEWHERE} rather than failing, and the store takes the
     * shard over by itself once that hub is gone.
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

    /**
     * Stores a batch replicated from the stream's home region at exactly {@code batch.baseSequence()}, keeping its
     * append time and producer run, so the shard is the home's byte for byte and de-duplicates retries the same way
     * after a promotion. Completes once durable (as {@link #append}).
     *
     * <p>A batch that starts at the high-water mark is appended ({@link AppendResult.Status#APPENDED}). A batch that
     * ends at or below the high-water mark and starts where a stored batch starts is a resend after a lost
     * acknowledgement: nothing is written ({@link AppendResult.Status#DUPLICATE}). Anything else fails with {@link
     * ReplicaSequenceException} and writes nothing: the shard never gets a gap or a reordering. The store does not
     * check the producer run against its producer state (the home did): it records it.
     */
    CompletableFuture<AppendResult> appendReplica(ShardKey shard, StoredBatch batch);

    /**
     * Whether this store keeps hub-to-hub replicas ({@link #appendReplica}, {@link #truncate}, {@link #resetTo}); a hub
     * refuses to create a stream with replicas on a store that does not. True unless overridden.
     */
    default boolean supportsReplicas() {
        return true;
    }

    /**
     * Removes every batch at and after {@code fromSequence}, which must be a batch boundary at or below the high-water
     * mark (or the high-water mark itself, which removes nothing), and rebuilds the producer state from what remains.
     * A former home uses it when it rejoins as a replica: what it stored after the new home's fork was never
     * replicated. Pending appends queued before the call complete first.
     *
     * @return completes with the number of records removed; fails with {@link ReplicaSequenceException} when {@code
     *     fromSequence} is not a batch boundary or is above the high-water mark, with {@link TrimmedException} when it
     *     is below the oldest retained sequence
     */
    CompletableFuture<Long> truncate(ShardKey shard, long fromSequence);

    /**
     * Drops every batch of the shard and moves its high-water mark to {@code nextSequence} (at or above the current
     * one), so the next append, replicated or not, gets that sequence. A replica uses it when its home no longer
     * retains what the replica lacks: it restarts at the home's oldest sequence rather than store a gap.
     *
     * @return completes with the number of records dropped
     */
    CompletableFuture<Long> resetTo(ShardKey shard, long nextSequence);

    /**
     * Deletes the oldest data beyond the policy, in the store's units: the local store whole segments, never the one
     * being written; the Pulsar store batches (then Pulsar deletes whole ledgers), possibly all of them. The
     * high-water mark stays either way, and reads below the new oldest sequence fail with {@link TrimmedException}.
     */
    CompletableFuture<RetentionResult> enforceRetention(ShardKey shard, RetentionPolicy policy);

    /** Closes the shard and deletes all its data. Pending appends fail. */
    CompletableFuture<Void> delete(ShardKey shard);

    /**
     * Closes the shard here and forgets it, keeping its data: for a store several hubs share, when another hub deleted
     * the shard's stream (that hub deletes the data; the stream may even exist again already, under the same name).
     * Pending appends fail. A store no other hub shares never needs it: the default fails with {@link
     * UnsupportedOperationException}.
     */
    default CompletableFuture<Void> release(ShardKey shard) {
        return CompletableFuture.failedFuture(new UnsupportedOperationException(
                "release: no other hub shares this store, so no other hub deletes its streams"));
    }

    /** Completes queued appends, flushes, and closes every shard. Idempotent. */
    @Override
    void close();
}
