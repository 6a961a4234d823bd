package io.tributary.hub.ingest;

import io.tributary.hub.metrics.HubMetrics;
import io.tributary.hub.metrics.PeerLog;
import io.tributary.hub.server.FrameService;
import io.tributary.hub.server.HubContext;
import io.tributary.hub.server.Session;
import io.tributary.hub.store.AppendResult;
import io.tributary.hub.store.BatchToAppend;
import io.tributary.hub.store.ProducerGapException;
import io.tributary.hub.store.ProducerKey;
import io.tributary.hub.store.ProducerSequenceException;
import io.tributary.hub.store.ShardKey;
import io.tributary.hub.store.ShardStoreException;
import io.tributary.hub.store.ShardUnavailableException;
import io.tributary.hub.store.ShardWrittenElsewhereException;
import io.tributary.hub.store.StoreBusyException;
import io.tributary.hub.stream.Replication;
import io.tributary.hub.stream.ShardDefinition;
import io.tributary.hub.stream.ShardRouter;
import io.tributary.hub.stream.StreamDefinition;
import io.tributary.hub.stream.StreamException;
import io.tributary.protocol.log.Correlation;
import io.tributary.protocol.v1.Batch;
import io.tributary.protocol.v1.BatchAck;
import io.tributary.protocol.v1.Codec;
import io.tributary.protocol.v1.Frame;
import io.tributary.protocol.v1.Nack;
import io.tributary.protocol.v1.NackReason;
import io.tributary.protocol.v1.PeerRole;
import io.tributary.protocol.v1.Throttle;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ingest of {@code Batch} frames: validate the header, apply the sender's quota, route by partition key to the owning
 * open shard, check the payload against the header ({@link BatchValidator}: nothing a reader could not decode is
 * stored), append (the store de-duplicates and keeps each lane in order), and answer {@code BatchAck} only once the
 * batch is durable — or {@code Nack} / {@code Throttle}.
 *
 * <p>Memory per connection is bounded: while more than {@code connection.max-pending-bytes} of batches are being
 * checked or await their fsync, the connection stops reading. Thread rules: {@link #onFrame} runs on the session's
 * event loop; payload checks run on the hub's worker executor one at a time per connection, each handing its batch
 * back to the event loop before the next starts, so a connection's batches reach the store in arrival order; store
 * completions hop back to the event loop.
 */
public final class BatchIngest implements FrameService {
    private static final Logger log = LoggerFactory.getLogger(BatchIngest.class);
    private static final int BUSY_RETRY_MS = 20;

    private final HubContext hub;
    private final ReplicationGate replication;
    private final OverlapResolver overlaps;
    private final BatchValidator validator;
    private final Redirects redirects;
    private final Map<String, TokenBucket> recordQuotas = new ConcurrentHashMap<>();
    private final Map<String, TokenBucket> byteQuotas = new ConcurrentHashMap<>();

    public BatchIngest(HubContext hub) {
        this(hub, ReplicationGate.NONE);
    }

    /** With cross-region replication: refuses streams homed elsewhere, and waits for replicas under ack replicated. */
    public BatchIngest(HubContext hub, ReplicationGate replication) {
        this.hub = hub;
        this.replication = replication;
        this.overlaps = new OverlapResolver(hub);
        this.validator = new BatchValidator(hub.config().ingestMaxUncompressedBytes());
        this.redirects = new Redirects(hub);
    }

    /** Per-connection state; event loop only. */
    private static final class Pending {
        /** Bytes of batches being checked or appended. */
        long bytes;
        /** The connection's last payload check: the next one starts after it. */
        CompletableFuture<Void> checks = CompletableFuture.completedFuture(null);
    }

    @Override
    public void onFrame(Session session, Frame frame) {
        Batch b = frame.getBatch();
        if (session.role() != PeerRole.PEER_ROLE_AGENT && session.role() != PeerRole.PEER_ROLE_PRODUCER) {
            nack(
                    hub.metrics(),
                    session,
                    b,
                    NackReason.NACK_REASON_UNAUTHORIZED,
                    "role " + session.role() + " may not send batches",
                    false);
            return;
        }
        if (!session.holdsEpoch(b.getAgentEpoch())) {
            nack(
                    hub.metrics(),
                    session,
                    b,
                    NackReason.NACK_REASON_STALE_EPOCH,
                    "epoch " + Long.toHexString(b.getAgentEpoch()) + " is outside this connection's grant "
                            + Long.toHexString(session.grantedEpoch()),
                    false);
            return;
        }
        if (!hub.producers().checkCurrent(session)) {
            return; // fenced: the connection is closing, and this batch is not stored
        }
        String invalid = validate(b);
        if (invalid != null) {
            nack(hub.metrics(), session, b, NackReason.NACK_REASON_BAD_REQUEST, invalid, false);
            return;
        }
        long wait = quotaWait(session.agentId(), b);
        if (wait > 0) {
            hub.metrics().throttled();
            session.send(Frame.newBuilder()
                    .setThrottle(Throttle.newBuilder()
                            .setBatchId(b.getBatchId())
                            .setRetryAfterMs((int) Math.min(wait, 60_000))
                            .setReason("agent quota exceeded"))
                    .build());
            return;
        }
        ShardDefinition shard;
        StreamDefinition stream;
        try {
            ShardRouter router = hub.streams().router(b.getStream());
            stream = router.stream();
            shard = router.routeKey(b.getPartitionKey());
        } catch (StreamException e) {
            nack(hub.metrics(), session, b, NackReason.NACK_REASON_UNKNOWN_STREAM, e.getMessage(), false);
            return;
        }
        ReplicationGate.NotHome notHome = replication.notHome(stream);
        if (notHome != null) {
            redirects.notHome(session, b, notHome);
            return;
        }
        boolean waitForReplica = stream.replication().ackLevel() == Replication.Ack.REPLICATED;
        ShardKey key = new ShardKey(b.getStream(), shard.id());
        ProducerKey producer;
        try {
            producer = new ProducerKey(session.agentId(), b.getLane(), b.getAgentEpoch());
        } catch (IllegalArgumentException e) {
            nack(hub.metrics(), session, b, NackReason.NACK_REASON_BAD_REQUEST, e.getMessage(), false);
            return;
        }
        BatchToAppend append = new BatchToAppend(
                b.getPayload().asReadOnlyByteBuffer(),
                b.getCodecValue(),
                b.getRecordCount(),
                b.getFirstEventTimeMs(),
                b.getLastEventTimeMs(),
                producer,
                b.getFirstSequence(),
                b.getLastSequence(),
                b.getGapBefore());
        long start = System.nanoTime();
        int size = b.getPayload().size();
        Pending pending = session.attribute(Pending.class, Pending::new);
        pending.bytes += size;
        if (pending.bytes > hub.config().connectionMaxPendingBytes()) {
            session.setAutoRead(false);
        }
        // Decoding costs ~0.4 us per record (docs/operations.md): off the event loop. The hand-back to the event loop
        // happens inside the task, so the next batch's check cannot overtake it.
        pending.checks = pending.checks
                .thenRunAsync(
                        () -> {
                            BatchValidator.Refusal refusal = validator.check(session.agentId(), b);
                            session.execute(() -> {
                                if (refusal == null) {
                                    append(session, pending, b, key, shard.id(), append, size, start, waitForReplica);
                                } else {
                                    release(session, pending, size);
                                    nack(hub.metrics(), session, b, refusal.reason(), refusal.message(), false);
                                }
                            });
                        },
                        hub.worker())
                .exceptionally(e -> {
                    session.execute(() -> {
                        release(session, pending, size);
                        failed(session, b, key, unwrap(e), start);
                    });
                    return null;
                });
    }

    private void append(
            Session session,
            Pending pending,
            Batch b,
            ShardKey key,
            String shardId,
            BatchToAppend append,
            int size,
            long start,
            boolean waitForReplica) {
        // Checked again right before the append: the stream may have changed home while the payload was checked.
        StreamDefinition now = hub.streams().find(b.getStream()).orElse(null);
        ReplicationGate.NotHome moved = now == null ? null : replication.notHome(now);
        if (moved != null) {
            release(session, pending, size);
            redirects.notHome(session, b, moved);
            return;
        }
        hub.store().append(key, append).whenComplete((result, error) -> {
            if (error != null || !waitForReplica) {
                session.execute(() -> {
                    release(session, pending, size);
                    if (error == null) {
                        ack(session, b, shardId, result, start);
                    } else {
                        failed(session, b, key, unwrap(error), start);
                    }
                });
                return;
            }
            // Ack level replicated: the batch is durable here; answer once a replica has it too. A duplicate whose
            // place is unknown waits for everything stored so far.
            long end = result.baseSequence() >= 0
                    ? result.baseSequence() + result.recordCount()
                    : hub.store().info(key).nextSequence();
            replication
                    .replicated(key, end)
                    .orTimeout(hub.config().replication().ackTimeout().toMillis(), TimeUnit.MILLISECONDS)
                    .whenComplete((ok, late) -> session.execute(() -> {
                        release(session, pending, size);
                        if (late == null) {
                            ack(session, b, shardId, result, start);
                        } else {
                            notReplicated(session, b, key);
                        }
                    }));
        });
    }

    private void notReplicated(Session session, Batch b, ShardKey key) {
        replication.timedOut();
        nack(
                hub.metrics(),
                session,
                b,
                NackReason.NACK_REASON_NOT_REPLICATED,
                "stored in " + key + " but no replica region confirmed it within "
                        + hub.config().replication().ackTimeout().toMillis() + " ms (ack level replicated)",
                true);
    }

    private void release(Session session, Pending pending, int size) {
        pending.bytes -= size;
        if (pending.bytes <= hub.config().connectionMaxPendingBytes() / 2) {
            session.setAutoRead(true);
        }
    }

    private static String validate(Batch b) {
        if (b.getStream().isEmpty()) {
            return "batch has no stream";
        }
        if (b.getPartitionKey().isEmpty()) {
            return "batch has no partition key";
        }
        if (b.getRecordCount() < 1) {
            return "batch has no records";
        }
        if (b.getLastSequence() < b.getFirstSequence()
                || b.getLastSequence() - b.getFirstSequence() + 1 != b.getRecordCount()) {
            return "sequences " + b.getFirstSequence() + ".." + b.getLastSequence() + " do not match "
                    + b.getRecordCount() + " records";
        }
        if (b.getFirstSequence() < 0) {
            return "sequence out of range";
        }
        if (b.getCodec() == Codec.UNRECOGNIZED) {
            return "unknown codec " + b.getCodecValue();
        }
        if (b.getPayload().isEmpty()) {
            return "batch payload is empty";
        }
        return null;
    }

    private long quotaWait(String agentId, Batch b) {
        long now = System.nanoTime();
        long wait = 0;
        long rps = hub.config().quotaRecordsPerSecond();
        if (rps > 0) {
            wait = recordQuotas
                    .computeIfAbsent(agentId, k -> new TokenBucket(rps, now))
                    .tryTake(b.getRecordCount(), now);
        }
        long bps = hub.config().quotaBytesPerSecond();
        if (wait == 0 && bps > 0) {
            wait = byteQuotas
                    .computeIfAbsent(agentId, k -> new TokenBucket(bps, now))
                    .tryTake(b.getPayload().size(), now);
        }
        return wait;
    }

    private void ack(Session session, Batch b, String shardId, AppendResult r, long start) {
        int n = b.getRecordCount();
        BatchAck.Builder ack = BatchAck.newBuilder()
                .setBatchId(b.getBatchId())
                .setDurableWatermark(b.getLastSequence())
                .addShards(shardId);
        for (int i = 0; i < n; i++) {
            ack.addShardIndex(0);
            ack.addSequence(r.baseSequence() < 0 ? -1 : r.baseSequence() + i);
        }
        int duplicates = r.duplicate() ? n : 0;
        ack.setDuplicates(duplicates);
        hub.metrics().acked(n, b.getPayload().size(), duplicates, start);
        traceStored(session, b, ack);
        session.send(Frame.newBuilder().setBatchAck(ack).build());
    }

    /** DEBUG: the batch's ids and where it is stored, to follow one record (see {@link Correlation}). */
    static void traceStored(Session session, Batch b, BatchAck.Builder ack) {
        if (log.isDebugEnabled()) {
            Correlation.addTo(log.atDebug(), Correlation.stored(session.agentId(), b, ack.build()))
                    .log(
                            "stored batch {} ({} records, {} duplicates)",
                            b.getBatchId(),
                            b.getRecordCount(),
                            ack.getDuplicates());
        }
    }

    private void failed(Session session, Batch b, ShardKey key, Throwable e, long start) {
        if (e instanceof StoreBusyException) {
            hub.metrics().throttled();
            session.send(Frame.newBuilder()
                    .setThrottle(Throttle.newBuilder()
                            .setBatchId(b.getBatchId())
                            .setRetryAfterMs(BUSY_RETRY_MS)
                            .setReason("shard " + key.shardId() + " is busy"))
                    .build());
        } else if (e instanceof ProducerGapException gap) {
            nack(hub.metrics(), session, b, NackReason.NACK_REASON_OUT_OF_SEQUENCE, gap.getMessage(), true);
        } else if (e instanceof ProducerSequenceException) {
            overlaps.resolve(session, b, key, start, err -> failed(session, b, key, err, start));
        } else if (e instanceof ShardWrittenElsewhereException elsewhere
                && !elsewhere.writerEndpoint().isEmpty()) {
            redirects.writtenElsewhere(session, b, elsewhere);
        } else if (e instanceof ShardUnavailableException) {
            nack(hub.metrics(), session, b, NackReason.NACK_REASON_SHARD_UNAVAILABLE, e.getMessage(), true);
        } else if (e instanceof ShardStoreException s) {
            nack(hub.metrics(), session, b, NackReason.NACK_REASON_SHARD_UNAVAILABLE, s.getMessage(), s.retriable());
        } else {
            log.error("append of batch {} from {} to {} failed", b.getBatchId(), session, key, e);
            nack(hub.metrics(), session, b, NackReason.NACK_REASON_INTERNAL, "internal error: " + e, true);
        }
    }

    static Throwable unwrap(Throwable e) {
        return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    }

    static void nack(
            HubMetrics metrics, Session session, Batch b, NackReason reason, String message, boolean retriable) {
        metrics.nacked(reason);
        if (!retriable) {
            metrics.peerLog()
                    .log(
                            log,
                            org.slf4j.event.Level.WARN,
                            PeerLog.BATCH_REFUSED,
                            Correlation.batch(session.agentId(), b),
                            "refusing batch {} from {} ({}): {}",
                            b.getBatchId(),
                            session,
                            reason,
                            message);
        } else if (log.isDebugEnabled()) {
            Correlation.addTo(log.atDebug(), Correlation.batch(session.agentId(), b))
                    .log("nack batch {} ({}, retriable): {}", b.getBatchId(), reason, message);
        }
        session.send(Frame.newBuilder()
                .setNack(Nack.newBuilder()
                        .setBatchId(b.getBatchId())
                        .setReason(reason)
                        .setMessage(message)
                        .setRetriable(retriable))
                .build());
    }
}
