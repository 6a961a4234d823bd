package io.tributary.hub.store.pulsar;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.hub.store.AppendResult;
import io.tributary.hub.store.BatchToAppend;
import io.tributary.hub.store.ProducerKey;
import io.tributary.hub.store.ProducerLookup;
import io.tributary.hub.store.ReadResult;
import io.tributary.hub.store.RetentionPolicy;
import io.tributary.hub.store.RetentionResult;
import io.tributary.hub.store.ShardInfo;
import io.tributary.hub.store.ShardKey;
import io.tributary.hub.store.ShardStatus;
import io.tributary.hub.store.ShardStore;
import io.tributary.hub.store.ShardUnavailableException;
import io.tributary.hub.store.ShardWrittenElsewhereException;
import io.tributary.hub.store.StoredBatch;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import org.apache.pulsar.client.api.PulsarClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ShardStore} on Apache Pulsar: each shard is one persistent, non-partitioned topic {@code
 * persistent://<tenant>/<namespace>/<stream>.<shardId>}, each batch one Pulsar message (the payload as the edge sent
 * it, the header in message properties: {@link BatchMessages}). Several hubs' stores share the topics (below).
 *
 * <p><b>Sequences.</b> The store assigns each batch its base sequence and carries it in the message; on open it reads
 * the topic up to an open marker it wrote itself and continues after the last batch (or where the newest trim marker
 * says), so sequences are gap-free and never reused, across any restart of hub or broker. Pulsar's broker index
 * (PIP-70) is not used: it counts messages, sequences count records, and it would count a copy the client resent.
 *
 * <p><b>Exactly once.</b> The producer runs ({@link io.tributary.hub.store.ProducerRuns}) are rebuilt by the same scan,
 * so a retried batch is answered {@link AppendResult.Status#DUPLICATE} across restarts. Cost: opening a shard reads
 * its whole retained topic (all payloads); a compacted state topic or a snapshot is a later step.
 *
 * <p><b>One writer per shard.</b> The store writes through an {@code Exclusive} producer named after its hub ({@link
 * WriterName}: the hub's endpoint and a run id). While one store holds a shard's topic, the shard is {@link
 * ShardStatus#WRITTEN_ELSEWHERE} in every other: {@link #open} returns that state, appends fail with a {@link
 * ShardWrittenElsewhereException} naming the holder's endpoint (the hub redirects the producer there), reads fail. The
 * holder keeps its sequences. A holder whose sends fail (fenced, timed out) goes OFFLINE and lets the topic go. Every
 * shard that is not ONLINE is tried again ({@link Takeovers}: every {@link PulsarStoreConfig#takeoverInterval()}, and
 * at an append), so the store takes a shard over once its writer is gone — the broker drops an exclusive producer when
 * its connection closes, at once when the writer's process dies — and its recovery (the scan below) rebuilds the
 * sequences and producer runs the old writer left, so a batch it stored and a client resends here is a duplicate. It
 * never writes without the exclusive producer. Takeovers are logged ("took over shard …") and counted in {@code
 * tributary_store_pulsar_takeovers_total}.
 *
 * <p><b>Durability.</b> An append completes after Pulsar's acknowledgement (the bookies' ack quorum wrote the entry to
 * their journals; with an fsync when the bookies' {@code journalSyncData}, true by default).
 *
 * <p><b>Reads.</b> A dense in-memory index (sequence → message id, append time, size; about 90 bytes per batch, see
 * {@link SequenceIndex}) positions a Pulsar reader; a reader is kept per shard for sequential reads. Reads of one shard
 * are serialised; a failed read leaves the shard ONLINE.
 *
 * <p><b>Retention</b> ({@link #enforceRetention}; {@link ShardRetention}): the writer puts a trim marker into the
 * topic, forgets the trimmed batches, then moves a durable subscription past them so that Pulsar deletes their
 * ledgers; the newest trim marker stays, so the sequences go on after any restart or takeover even when every batch
 * was trimmed. The namespace keeps infinite retention; a shard's topic gets a policy of its own at its first trim.
 *
 * <p><b>Regions.</b> Cross-region copies are Pulsar's geo-replication ({@link GeoReplication}): a {@link
 * PulsarStoreConfig#replica() replica} store never takes a topic and serves reads of what arrived ({@link Replicas});
 * {@link #appendReplica}, {@link #truncate} and {@link #resetTo} (hub-to-hub replication) are unsupported.
 *
 * <p>Threads: all methods are thread-safe; {@link #open}, {@link #delete}, {@link #release}, {@link #close} and the
 * takeover tries (on the thread {@code pulsar-store-takeover}) serialise with each other. Append and lookup futures
 * complete on the store's ack thread ({@code pulsar-store-acks}), retention's there or on the HTTP client's: keep
 * callbacks short. {@link #open} and {@link #read} block on the network.
 */
public final class PulsarShardStore implements ShardStore {
    private static final Logger LOG = LoggerFactory.getLogger(PulsarShardStore.class);

    private final PulsarStoreConfig config;
    private final Clock clock;
    private final PulsarClient client;
    private final PulsarAdminRest admin;
    private final ExecutorService acks;
    private final Writers writers;
    private final PulsarNamespace namespace;
    private final Takeovers takeovers;
    private final ShardRetention retention;
    private final Replicas replicas;
    private final ConcurrentHashMap<ShardKey, PulsarShard> shards = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /** As {@link #PulsarShardStore(PulsarStoreConfig, Clock, MeterRegistry)}, its metrics in a registry of its own. */
    public PulsarShardStore(PulsarStoreConfig config, Clock clock) {
        this(config, clock, new SimpleMeterRegistry());
    }

    /**
     * Connects the client (lazily: nothing is sent before the first {@link #open}) and starts the takeover tries.
     *
     * @param registry where {@code tributary_store_pulsar_*} go
     * @throws UncheckedIOException when the client cannot be built (a malformed service URL)
     */
    public PulsarShardStore(PulsarStoreConfig config, Clock clock, MeterRegistry registry) {
        this.config = Objects.requireNonNull(config, "config");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.client = StoreClient.of(config);
        this.admin = new PulsarAdminRest(config.adminUrl(), config.operationTimeout());
        this.acks = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "pulsar-store-acks");
            t.setDaemon(true);
            return t;
        });
        this.namespace = new PulsarNamespace(config, admin, client);
        this.writers = new Writers(WriterName.forThisProcess(config.writerEndpoint()), admin, config, registry);
        LOG.info(
                "writing shards as {} (producer name {})",
                writers.self(),
                writers.self().producerName());
        this.takeovers = new Takeovers(config.takeoverInterval(), this::notOnline, this::reopen);
        this.retention = new ShardRetention(config, admin, clock, registry);
        this.replicas = new Replicas(client, config);
    }

    /** The name of this store's exclusive producers ({@link WriterName}). */
    public String writerName() {
        return writers.self().producerName();
    }

    /**
     * The topic of {@code shard}: {@code persistent://<tenant>/<namespace>/<stream>.<shardId>}. Shard ids may not
     * hold a dot (the registry's are {@code shard-000007}), so the name is unique to the shard.
     *
     * @throws IllegalArgumentException when the shard id holds a dot
     */
    public String topic(ShardKey shard) {
        return "persistent://" + config.tenant() + "/" + config.namespace() + "/" + localName(shard);
    }

    private static String localName(ShardKey shard) {
        if (shard.shardId().indexOf('.') >= 0) {
            throw new IllegalArgumentException("the Pulsar store needs shard ids without '.': " + shard);
        }
        return shard.stream() + "." + shard.shardId();
    }

    @Override
    public synchronized ShardInfo open(ShardKey key) {
        if (closed) {
            throw new ShardUnavailableException(key, "store closed", null);
        }
        PulsarShard existing = shards.get(key);
        if (existing != null && existing.info().status() == ShardStatus.ONLINE) {
            return existing.info();
        }
        PulsarShard shard = existing != null
                ? existing
                : new PulsarShard(key, topic(key), localName(key), client, config, clock, acks, writers);
        shards.put(key, shard);
        if (config.replica()) { // the topic arrives by replication: never created nor taken here
            replicas.follow(key, shard, topic(key));
            return shard.info();
        }
        if (existing == null || existing.info().status() != ShardStatus.WRITTEN_ELSEWHERE) {
            try {
                namespace.prepare();
                admin.createTopic(config.tenant(), config.namespace(), localName(key));
            } catch (IOException e) {
                throw shard.goOffline("open failed: " + e.getMessage(), e);
            }
        }
        try {
            shard.recover();
        } catch (ShardWrittenElsewhereException e) {
            if (e.writerEndpoint().isEmpty()) {
                throw e; // nobody to send producers to: OFFLINE here (still tried again)
            }
            // Not a failure: appends are redirected to the writer, and the takeover tries take the shard when it goes.
        }
        return shard.info();
    }

    /** The shards that are not ONLINE and not closed: what the takeover tries reopen. */
    private List<ShardKey> notOnline() {
        return shards.entrySet().stream()
                .filter(e -> !e.getValue().online() && !e.getValue().isClosed())
                .map(Map.Entry::getKey)
                .toList();
    }

    /** A takeover try: reopens {@code key} if it is still known, not closed and not ONLINE; returns its status. */
    private synchronized Takeovers.Outcome reopen(ShardKey key) {
        PulsarShard shard = shards.get(key);
        if (closed || shard == null || shard.isClosed()) {
            takeovers.forget(key);
            return Takeovers.Outcome.TAKEN; // nothing to try any more
        }
        if (config.replica()) { // a replica is never taken: its rounds read what arrived
            boolean readable = replicas.follow(key, shard, topic(key));
            return readable ? Takeovers.Outcome.HELD_ELSEWHERE : Takeovers.Outcome.FAILED;
        }
        switch (writers.probe(key, localName(key), shard.holder())) {
            case HELD -> {
                return Takeovers.Outcome.HELD_ELSEWHERE;
            }
            case MISSING -> {
                if (shard.topicSeen()) {
                    // Deleted meanwhile (streams delete, on this hub or another): taking it would create it anew,
                    // empty, and number from 0 again. Tried again later, in case the stream is created again.
                    shard.goneOffline("topic " + topic(key) + " no longer exists (deleted): not created again");
                    return Takeovers.Outcome.FAILED;
                }
            }
            case TRY -> {}
        }
        if (!shard.online()) {
            try {
                open(key);
            } catch (ShardUnavailableException e) {
                LOG.debug("{}: reopen failed: {}", key, e.getMessage());
            }
        }
        if (shard.online()) {
            return Takeovers.Outcome.TAKEN;
        }
        return shard.holder() != null ? Takeovers.Outcome.HELD_ELSEWHERE : Takeovers.Outcome.FAILED;
    }

    /**
     * Checks that the brokers answer on both URLs before the store is used (see {@link PulsarNamespace}); a hub calls
     * it at start so that it does not come up on a broker it cannot reach.
     *
     * @throws IOException saying which URL failed and how
     */
    public synchronized void checkReachable() throws IOException {
        namespace.checkReachable();
    }

    /** No hub-to-hub replicas on this store (see {@link #appendReplica}). */
    @Override
    public boolean supportsReplicas() {
        return false;
    }

    @Override
    public Set<ShardKey> shards() {
        return Set.copyOf(shards.keySet());
    }

    @Override
    public CompletableFuture<AppendResult> append(ShardKey key, BatchToAppend batch) {
        return onShard(key, s -> {
            if (!s.online()) {
                takeovers.nudge(key); // its writer may be gone: try now rather than at the next round
            }
            return s.append(batch);
        });
    }

    @Override
    public ReadResult read(ShardKey key, long fromSequence, int maxRecords, int maxBytes) {
        PulsarShard s = shard(key);
        if (config.replica() && fromSequence >= s.info().nextSequence()) {
            replicas.follow(key, s, topic(key)); // at the end known here: see what arrived since
        }
        return s.read(fromSequence, maxRecords, maxBytes);
    }

    @Override
    public long sequenceForTimestamp(ShardKey key, long timestampMs) {
        return shard(key).sequenceForTimestamp(timestampMs);
    }

    /**
     * {@inheritDoc}
     *
     * <p>{@code retainedBytes} is the sum of the retained payloads; {@code segmentCount} is 1 for a shard holding
     * batches, 0 otherwise (Pulsar's ledgers are not visible through the client).
     */
    @Override
    public ShardInfo info(ShardKey key) {
        return shard(key).info();
    }

    @Override
    public CompletableFuture<ProducerLookup> lookupProducer(
            ShardKey key, ProducerKey producer, long firstSeq, long lastSeq) {
        return onShard(key, s -> s.lookupProducer(producer, firstSeq, lastSeq));
    }

    /** Unsupported: hub-to-hub replication onto a Pulsar store; Pulsar's geo-replication takes its place. */
    @Override
    public CompletableFuture<AppendResult> appendReplica(ShardKey key, StoredBatch batch) {
        return unsupported("appendReplica");
    }

    /** Unsupported (see {@link #appendReplica}). */
    @Override
    public CompletableFuture<Long> truncate(ShardKey key, long fromSequence) {
        return unsupported("truncate");
    }

    /** Unsupported (see {@link #appendReplica}). */
    @Override
    public CompletableFuture<Long> resetTo(ShardKey key, long nextSequence) {
        return unsupported("resetTo");
    }

    private static <T> CompletableFuture<T> unsupported(String what) {
        return CompletableFuture.failedFuture(new UnsupportedOperationException(what
                + " is not supported by the Pulsar store: hub-to-hub replication needs a local store; on Pulsar,"
                + " cross-region copies are Pulsar's geo-replication (pulsar.replication-clusters, pulsar.replica)"));
    }

    /**
     * See {@link ShardRetention}: {@code segmentsDeleted} counts the ledgers Pulsar deleted, {@code bytesDeleted} the
     * payload bytes trimmed. Fails with the shard's {@code ShardUnavailableException} where this store does not write it.
     */
    @Override
    public CompletableFuture<RetentionResult> enforceRetention(ShardKey key, RetentionPolicy policy) {
        return onShard(key, s -> retention.enforce(key, localName(key), s, policy));
    }

    /**
     * Closes the shard, then deletes its topic (forcibly: with any other client's producer or readers on it). Appends
     * already sent to Pulsar complete (or fail) before the topic goes, so one may complete just before its data is
     * deleted; later ones fail.
     */
    @Override
    public synchronized CompletableFuture<Void> delete(ShardKey key) {
        PulsarShard shard = shards.remove(key);
        takeovers.forget(key);
        retention.forget(key);
        replicas.forget(key);
        CompletableFuture<Void> stopped = shard == null
                ? CompletableFuture.completedFuture(null)
                : shard.close().exceptionally(e -> null);
        return stopped.thenCompose(x -> admin.deleteTopic(config.tenant(), config.namespace(), localName(key)));
    }

    /**
     * Closes the shard and forgets it, leaving its topic alone: another hub deleted the stream and deletes the topic
     * itself (which may by then hold a stream created again under the same name).
     */
    @Override
    public synchronized CompletableFuture<Void> release(ShardKey key) {
        PulsarShard shard = shards.remove(key);
        retention.forget(key);
        replicas.forget(key);
        return shard == null ? CompletableFuture.completedFuture(null) : shard.close();
    }

    /**
     * Lets every shard's sends in flight complete (bounded by the operation timeout), closes producers and readers,
     * then lets the client shut down in the background.
     */
    @Override
    public void close() {
        takeovers.close(); // first, outside the lock: a try in progress holds it
        closeShards();
    }

    private synchronized void closeShards() {
        if (closed) {
            return;
        }
        closed = true;
        StoreClient.shutDown(
                client, acks, shards.values().stream().map(PulsarShard::close).toList(), config.operationTimeout());
    }

    /** {@code call} on the open shard, or a future failed because the shard is not open. */
    private <T> CompletableFuture<T> onShard(ShardKey key, Function<PulsarShard, CompletableFuture<T>> call) {
        PulsarShard shard;
        try {
            shard = shard(key);
        } catch (ShardUnavailableException e) {
            return CompletableFuture.failedFuture(e);
        }
        return call.apply(shard);
    }

    private PulsarShard shard(ShardKey key) {
        PulsarShard shard = shards.get(key);
        if (shard == null) {
            throw new ShardUnavailableException(key, closed ? "store closed" : "shard not open", null);
        }
        return shard;
    }
}
