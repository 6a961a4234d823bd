package io.tributary.hub.store.local;

import io.micrometer.core.instrument.MeterRegistry;
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
import io.tributary.hub.store.ShardUnavailableException;
import io.tributary.hub.store.StoredBatch;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Comparator;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * {@link ShardStore} on local disk: per shard a directory {@code <dataDir>/<stream>/<shardId>/} of segment files
 * ({@link Segment}, entries laid out as in {@link BatchHeader}, indexes as in {@link SparseIndex}), one writer thread
 * per shard with group commit ({@link ShardWriter}), recovery at open ({@link ShardRecovery}). A shard that a full
 * disk or an I/O error took offline is reopened on its own ({@link ShardHealer}); the others are not affected.
 *
 * <p>Durability: with {@link Durability#FSYNC} (default) an append completes after the fsync covering it; with {@link
 * Durability#PAGE_CACHE} after the write to the OS page cache (see there).
 *
 * <p>Threads: all methods are thread-safe; {@link #open} and {@link #close} serialise with each other. The futures of
 * appends (replicated ones too), lookups, retention, truncate and reset complete on the shard's writer thread: keep
 * callbacks short.
 */
public final class LocalShardStore implements ShardStore {
    private final LocalStoreConfig config;
    private final Clock clock;
    private final MeterRegistry registry;
    private final FileChannelFactory files;
    private final ConcurrentHashMap<ShardKey, LocalShard> shards = new ConcurrentHashMap<>();
    private final ShardHealer healer;
    private volatile boolean closed;

    public LocalShardStore(LocalStoreConfig config, Clock clock, MeterRegistry registry) {
        this(config, clock, registry, FileChannelFactory.DEFAULT);
    }

    /** With a custom file channel factory (tests inject I/O failures through it). */
    public LocalShardStore(LocalStoreConfig config, Clock clock, MeterRegistry registry, FileChannelFactory files) {
        this.config = Objects.requireNonNull(config, "config");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.registry = Objects.requireNonNull(registry, "registry");
        this.files = Objects.requireNonNull(files, "files");
        this.healer = new ShardHealer(() -> Map.copyOf(shards), this::reopenOffline, registry).start();
    }

    /** The healer's reopen: only a shard still offline, and never after close; fails when the reopen fails. */
    private synchronized void reopenOffline(ShardKey key) {
        LocalShard shard = shards.get(key);
        if (!closed && shard != null && !shard.online()) {
            open(key);
        }
    }

    @Override
    public synchronized ShardInfo open(ShardKey key) {
        if (closed) {
            throw new ShardUnavailableException(key, "store closed", null);
        }
        LocalShard existing = shards.get(key);
        if (existing != null) {
            if (existing.online()) {
                return existing.info();
            }
            existing.stop().join();
        }
        Path dir = shardDir(key);
        try {
            ShardRecovery.Recovered recovered = new ShardRecovery(key, dir, config, files).recover();
            ShardLog log = new ShardLog(key, recovered.segments(), recovered.nextSequence());
            ShardWriter writer =
                    new ShardWriter(log, dir, config, files, clock, new ShardMetrics(registry, key), recovered);
            LocalShard shard = LocalShard.start(key, log, writer);
            shards.put(key, shard);
            return shard.info();
        } catch (IOException | RuntimeException e) {
            ShardUnavailableException failure = new ShardUnavailableException(key, "open failed: " + e, e);
            shards.put(key, LocalShard.failed(key, failure));
            throw failure;
        }
    }

    @Override
    public Set<ShardKey> shards() {
        return Set.copyOf(shards.keySet());
    }

    @Override
    public CompletableFuture<AppendResult> append(ShardKey key, BatchToAppend batch) {
        if (batch.payloadSize() > config.maxBatchBytes()) {
            return CompletableFuture.failedFuture(tooLarge(batch));
        }
        return submit(key, f -> new WriterCommand.Append(batch, f));
    }

    /**
     * {@inheritDoc}
     *
     * <p>The batch goes through the shard's writer queue and group commit like an {@link #append}. A resend counts as
     * one only when the stored batch at its base sequence has the same record count (else the shards diverged, and it
     * is refused). A batch below the oldest retained sequence is refused: it cannot be checked.
     */
    @Override
    public CompletableFuture<AppendResult> appendReplica(ShardKey key, StoredBatch batch) {
        BatchToAppend entry;
        try {
            entry = new BatchToAppend(
                    batch.payload(),
                    batch.codec(),
                    batch.recordCount(),
                    batch.firstEventTimeMs(),
                    batch.lastEventTimeMs(),
                    batch.producer(),
                    batch.producerFirstSeq(),
                    batch.producerLastSeq(),
                    true);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        if (entry.payloadSize() > config.maxBatchBytes()) {
            return CompletableFuture.failedFuture(tooLarge(entry));
        }
        return submit(key, f -> new WriterCommand.ReplicaAppend(batch.baseSequence(), batch.appendTimeMs(), entry, f));
    }

    /**
     * {@inheritDoc}
     *
     * <p>Runs on the shard's writer thread between two group commits, so queued appends complete first and later ones
     * wait. Crash-safe: the cut is recorded in a marker file before any file changes and completed by recovery if the
     * process dies (see {@link ShardCut}); concurrent readers move to the shortened log without error. It rescans the
     * headers of the whole shard to rebuild the producer state, so it costs about as much as opening the shard.
     */
    @Override
    public CompletableFuture<Long> truncate(ShardKey key, long fromSequence) {
        return submit(key, f -> new WriterCommand.Cut(false, fromSequence, f));
    }

    /**
     * {@inheritDoc}
     *
     * <p>Fails with {@link IllegalArgumentException} when {@code nextSequence} is below the high-water mark. Runs like
     * {@link #truncate}; the shard is then one empty segment whose file name is {@code nextSequence}, which is how it
     * reopens with oldest = next = {@code nextSequence}.
     */
    @Override
    public CompletableFuture<Long> resetTo(ShardKey key, long nextSequence) {
        return submit(key, f -> new WriterCommand.Cut(true, nextSequence, f));
    }

    @Override
    public ReadResult read(ShardKey key, long fromSequence, int maxRecords, int maxBytes) {
        return shard(key).log().read(fromSequence, maxRecords, maxBytes);
    }

    @Override
    public long sequenceForTimestamp(ShardKey key, long timestampMs) {
        return shard(key).log().sequenceForTimestamp(timestampMs, config.maxBatchBytes());
    }

    @Override
    public ShardInfo info(ShardKey key) {
        return shard(key).info();
    }

    @Override
    public CompletableFuture<ProducerLookup> lookupProducer(
            ShardKey key, ProducerKey producer, long firstSeq, long lastSeq) {
        return submit(key, f -> new WriterCommand.Lookup(producer, firstSeq, lastSeq, f));
    }

    @Override
    public CompletableFuture<RetentionResult> enforceRetention(ShardKey key, RetentionPolicy policy) {
        return submit(key, f -> new WriterCommand.Retention(policy, f));
    }

    @Override
    public synchronized CompletableFuture<Void> delete(ShardKey key) {
        LocalShard shard = shards.remove(key);
        CompletableFuture<Void> stopped = shard == null ? CompletableFuture.completedFuture(null) : shard.stop();
        Path dir = shardDir(key);
        return stopped.thenRun(() -> deleteRecursively(dir));
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        healer.close();
        CompletableFuture.allOf(shards.values().stream().map(LocalShard::stop).toArray(CompletableFuture[]::new))
                .join();
    }

    /** Queues the command made around a new future on the shard's writer; the future fails if the shard is not open. */
    private <T> CompletableFuture<T> submit(ShardKey key, Function<CompletableFuture<T>, WriterCommand> command) {
        CompletableFuture<T> future = new CompletableFuture<>();
        try {
            shard(key).writer().submit(command.apply(future));
        } catch (ShardUnavailableException e) {
            future.completeExceptionally(e);
        }
        return future;
    }

    private IllegalArgumentException tooLarge(BatchToAppend batch) {
        return new IllegalArgumentException(
                "payload of " + batch.payloadSize() + " bytes exceeds maxBatchBytes " + config.maxBatchBytes());
    }

    private LocalShard shard(ShardKey key) {
        LocalShard shard = shards.get(key);
        if (shard == null) {
            throw new ShardUnavailableException(key, closed ? "store closed" : "shard not open", null);
        }
        return shard;
    }

    private Path shardDir(ShardKey key) {
        return config.dataDir().resolve(key.stream()).resolve(key.shardId());
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
            // Durably gone: a stream created again under this name must not find the old segments after a power cut.
            io.tributary.protocol.fs.DurableDirs.sync(dir.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException("deleting " + dir, e);
        }
    }
}
