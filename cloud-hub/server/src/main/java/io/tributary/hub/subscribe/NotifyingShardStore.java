package io.tributary.hub.subscribe;

import io.tributary.hub.store.AppendResult;
import io.tributary.hub.store.BatchToAppend;
import io.tributary.hub.store.ProducerKey;
import io.tributary.hub.store.ProducerLookup;
import io.tributary.hub.store.ReadResult;
import io.tributary.hub.store.RetentionPolicy;
import io.tributary.hub.store.RetentionResult;
import io.tributary.hub.store.ShardInfo;
import io.tributary.hub.store.ShardKey;
import io.tributary.hub.store.ShardStore;
import io.tributary.hub.store.StoredBatch;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * A {@link ShardStore} that tells a {@link ShardNotifier} about every successful append, so push subscribers wake
 * without polling and without the ingest path knowing about them. Everything else is delegated unchanged.
 * Thread-safe as its delegate.
 */
public final class NotifyingShardStore implements ShardStore {
    private final ShardStore delegate;
    private final ShardNotifier notifier;

    public NotifyingShardStore(ShardStore delegate, ShardNotifier notifier) {
        this.delegate = delegate;
        this.notifier = notifier;
    }

    @Override
    public ShardInfo open(ShardKey shard) {
        return delegate.open(shard);
    }

    @Override
    public Set<ShardKey> shards() {
        return delegate.shards();
    }

    @Override
    public CompletableFuture<AppendResult> append(ShardKey shard, BatchToAppend batch) {
        CompletableFuture<AppendResult> f = delegate.append(shard, batch);
        f.thenRun(() -> notifier.appended(shard));
        return f;
    }

    @Override
    public CompletableFuture<AppendResult> appendReplica(ShardKey shard, StoredBatch batch) {
        CompletableFuture<AppendResult> f = delegate.appendReplica(shard, batch);
        f.thenRun(() -> notifier.appended(shard));
        return f;
    }

    @Override
    public boolean supportsReplicas() {
        return delegate.supportsReplicas();
    }

    @Override
    public CompletableFuture<Long> truncate(ShardKey shard, long fromSequence) {
        return delegate.truncate(shard, fromSequence);
    }

    @Override
    public CompletableFuture<Long> resetTo(ShardKey shard, long nextSequence) {
        return delegate.resetTo(shard, nextSequence);
    }

    @Override
    public ReadResult read(ShardKey shard, long fromSequence, int maxRecords, int maxBytes) {
        return delegate.read(shard, fromSequence, maxRecords, maxBytes);
    }

    @Override
    public long sequenceForTimestamp(ShardKey shard, long timestampMs) {
        return delegate.sequenceForTimestamp(shard, timestampMs);
    }

    @Override
    public ShardInfo info(ShardKey shard) {
        return delegate.info(shard);
    }

    @Override
    public CompletableFuture<ProducerLookup> lookupProducer(
            ShardKey shard, ProducerKey producer, long firstSeq, long lastSeq) {
        return delegate.lookupProducer(shard, producer, firstSeq, lastSeq);
    }

    @Override
    public CompletableFuture<RetentionResult> enforceRetention(ShardKey shard, RetentionPolicy policy) {
        return delegate.enforceRetention(shard, policy);
    }

    @Override
    public CompletableFuture<Void> delete(ShardKey shard) {
        return delegate.delete(shard);
    }

    @Override
    public CompletableFuture<Void> release(ShardKey shard) {
        return delegate.release(shard);
    }

    @Override
    public void close() {
        delegate.close();
    }
}
