package io.tributary.hub.replication;

import io.tributary.hub.server.FrameService;
import io.tributary.hub.server.Session;
import io.tributary.hub.store.AppendResult;
import io.tributary.hub.store.ProducerKey;
import io.tributary.hub.store.ShardKey;
import io.tributary.hub.store.StoredBatch;
import io.tributary.hub.stream.ShardDefinition;
import io.tributary.hub.stream.StreamDefinition;
import io.tributary.hub.stream.StreamException;
import io.tributary.hub.stream.StreamMessages;
import io.tributary.protocol.v1.ConnectionError;
import io.tributary.protocol.v1.ErrorCode;
import io.tributary.protocol.v1.Frame;
import io.tributary.protocol.v1.PeerRole;
import io.tributary.protocol.v1.ReplicaAck;
import io.tributary.protocol.v1.ReplicaBatches;
import io.tributary.protocol.v1.ReplicaFollow;
import io.tributary.protocol.v1.ReplicaOffer;
import io.tributary.protocol.v1.ReplicaRefused;
import io.tributary.protocol.v1.ReplicatedBatch;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replica's side of replication, for connections of role {@code PEER_ROLE_REPLICA} from a home region's hub:
 * takes the offered streams (after cutting what a newer generation's forks exclude), follows each shard from its own
 * durable high-water mark, stores the home's batches at their sequence numbers ({@code ShardStore#appendReplica}) and
 * acknowledges what is durable. A batch that would leave a gap is not stored: the shard asks again from where it is.
 *
 * <p>Thread rules: frames arrive on the session's event loop; offers are taken on the hub's worker executor (they
 * may truncate shards and write the catalog), one after another per connection; appends complete on store threads
 * and hop back to the event loop, where each shard's state lives.
 */
final class ReplicaInbound implements FrameService {
    private static final Logger log = LoggerFactory.getLogger(ReplicaInbound.class);

    private final Replicator hub;

    ReplicaInbound(Replicator hub) {
        this.hub = hub;
    }

    /** Per connection: offers in arrival order, and each followed shard's position. Event loop only. */
    private static final class Link {
        CompletableFuture<Void> offers = CompletableFuture.completedFuture(null);
        final Map<ShardKey, Follow> shards = new HashMap<>();
    }

    /** One followed shard: where the next batch must start, and whether we asked again and wait for it. */
    private static final class Follow {
        long expected;
        boolean resyncing;
        /** A restart in progress: appends wait for it (in order); null or done when none. */
        CompletableFuture<?> barrier;
    }

    /** Submits a replicated append, after the shard's restart when one is in progress. */
    private CompletableFuture<AppendResult> submit(Follow f, ShardKey key, StoredBatch batch) {
        if (f.barrier == null || f.barrier.isDone()) {
            f.barrier = null;
            return hub.store().appendReplica(key, batch);
        }
        CompletableFuture<AppendResult> next =
                f.barrier.thenCompose(x -> hub.store().appendReplica(key, batch));
        f.barrier = next;
        return next;
    }

    @Override
    public void onFrame(Session session, Frame frame) {
        if (session.role() != PeerRole.PEER_ROLE_REPLICA) {
            session.send(Frame.newBuilder()
                    .setError(ConnectionError.newBuilder()
                            .setCode(ErrorCode.ERROR_CODE_PROTOCOL_VIOLATION)
                            .setMessage(frame.getBodyCase() + " needs role PEER_ROLE_REPLICA"))
                    .build());
            session.close();
            return;
        }
        Link link = session.attribute(Link.class, Link::new);
        switch (frame.getBodyCase()) {
            case REPLICA_OFFER -> onOffer(session, link, frame.getReplicaOffer());
            case REPLICA_BATCHES -> onBatches(session, link, frame.getReplicaBatches());
            case REPLICA_GRANTS -> hub.carried().adoptGrants(frame.getReplicaGrants());
            case REPLICA_CHECKPOINT -> hub.carried().adoptCheckpoint(frame.getReplicaCheckpoint());
            case REPLICA_HANDOVER -> hub.handover().handedOver(frame.getReplicaHandover());
            default -> log.debug("ignoring {} from {}", frame.getBodyCase(), session);
        }
    }

    @Override
    public void onClosed(Session session) {
        Link link = session.attribute(Link.class, Link::new);
        link.shards.keySet().forEach(key -> hub.replicaLag(key).state = "home disconnected");
        hub.handover().homeSessionClosed(session);
    }

    private void onOffer(Session session, Link link, ReplicaOffer offer) {
        link.offers = link.offers
                .handle((v, e) -> null)
                .thenRunAsync(
                        () -> {
                            StreamDefinition taken;
                            try {
                                taken = hub.adopt(
                                        StreamMessages.fromDescription(offer.getStream()), offer.getFromRegion());
                            } catch (Refusal r) {
                                hub.metrics().refused();
                                log.warn(
                                        "refusing replication of {} from {}: {}",
                                        offer.getStream().getStream(),
                                        session,
                                        r.getMessage());
                                session.send(refusal(offer.getStream().getStream(), r));
                                return;
                            } catch (StreamException | IllegalArgumentException e) {
                                hub.metrics().refused();
                                log.warn("refusing an invalid replication offer from {}: {}", session, e.getMessage());
                                session.send(refusal(offer.getStream().getStream(), new Refusal(e.getMessage())));
                                return;
                            }
                            hub.handover().homeSession(taken.name(), session);
                            List<Position> positions = positions(taken);
                            session.execute(() -> follow(session, link, taken, positions));
                        },
                        hub.worker());
    }

    /** Where this replica follows a shard from, and its batch just below there ({@link BatchCrc}, null: none). */
    private record Position(ShardKey key, long from, Integer previousCrc) {}

    /** Each shard's position, read off the event loop (the previous batch is a disk read). */
    private List<Position> positions(StreamDefinition stream) {
        List<Position> out = new java.util.ArrayList<>();
        for (ShardDefinition shard : stream.shards()) {
            ShardKey key = new ShardKey(stream.name(), shard.id());
            try {
                long from = hub.store().info(key).nextSequence();
                Integer crc = BatchCrc.endingAt(hub.store(), key, from)
                        .filter(b -> b.nextSequence() == from)
                        .map(BatchCrc::of)
                        .orElse(null);
                out.add(new Position(key, from, crc));
            } catch (RuntimeException e) {
                log.warn("replica shard {} is not available: {}", key, e.getMessage());
            }
        }
        return out;
    }

    private void follow(Session session, Link link, StreamDefinition stream, List<Position> positions) {
        for (Position p : positions) {
            ShardKey key = p.key();
            long from = p.from();
            Follow f = link.shards.computeIfAbsent(key, k -> new Follow());
            f.expected = from;
            f.resyncing = false;
            LagBoard.Entry lag = hub.replicaLag(key);
            lag.replicaNext = from;
            lag.homeNextSeen = from; // a new home (or generation) reports its own high-water mark from here
            lag.oldestPendingAppendMs = 0;
            lag.state = "following";
            ReplicaFollow.Builder follow = ReplicaFollow.newBuilder()
                    .setStream(key.stream())
                    .setShardId(key.shardId())
                    .setFromSequence(from)
                    .setReplicaRegion(hub.region())
                    .setGeneration(stream.replication().generation());
            if (p.previousCrc() != null) {
                follow.setPreviousBatchCrc(p.previousCrc());
            }
            session.send(Frame.newBuilder().setReplicaFollow(follow).build());
        }
    }

    private void sendFollow(Session session, ShardKey key, long from, long generation) {
        session.send(Frame.newBuilder()
                .setReplicaFollow(ReplicaFollow.newBuilder()
                        .setStream(key.stream())
                        .setShardId(key.shardId())
                        .setFromSequence(from)
                        .setReplicaRegion(hub.region())
                        .setGeneration(generation))
                .build());
    }

    private void onBatches(Session session, Link link, ReplicaBatches frame) {
        ShardKey key = new ShardKey(frame.getStream(), frame.getShardId());
        Follow f = link.shards.get(key);
        StreamDefinition local = hub.streams().find(frame.getStream()).orElse(null);
        if (f == null || local == null) {
            log.debug("dropping batches of {} not followed on {}", key, session);
            return;
        }
        long generation = local.replication().generation();
        if (hub.changing(frame.getStream())) {
            return; // being promoted here: what the old home sends now is not taken (its fork is being recorded)
        }
        if (frame.getGeneration() != generation || local.replication().isHome(hub.region())) {
            hub.metrics().refused();
            link.shards.remove(key);
            session.send(refusal(
                    frame.getStream(),
                    new Refusal(
                            "batches of generation " + frame.getGeneration() + ", this hub holds " + "generation "
                                    + generation + " homed in "
                                    + local.replication().homeRegion(),
                            local)));
            return;
        }
        LagBoard.Entry lag = hub.replicaLag(key);
        if (frame.hasCutAt()) {
            cutAndFollow(session, f, key, frame.getCutAt(), generation, lag);
            return;
        }
        lag.home(frame.getHomeNextSequence());
        CompletableFuture<AppendResult> last = null;
        long bytes = 0;
        int count = 0;
        long records = 0;
        for (int i = 0; i < frame.getBatchesCount(); i++) {
            ReplicatedBatch b = frame.getBatches(i);
            long end = b.getBaseSequence() + b.getRecordCount();
            if (frame.getRestart() && i == 0 && b.getBaseSequence() > f.expected) {
                long at = b.getBaseSequence();
                log.warn(
                        "replica shard {}: the home no longer retains {}..{}; restarting the shard at {}",
                        key,
                        f.expected,
                        at - 1,
                        at);
                hub.metrics().restarted();
                f.barrier = hub.store().resetTo(key, at);
                f.expected = at;
                f.resyncing = false;
            }
            if (f.resyncing) {
                if (b.getBaseSequence() != f.expected) {
                    continue;
                }
                f.resyncing = false;
            }
            if (end <= f.expected) {
                continue; // sent again after a re-follow: stored already
            }
            if (b.getBaseSequence() != f.expected) {
                log.warn(
                        "replica shard {}: batch at {} would leave a gap after {}; asking the home again",
                        key,
                        b.getBaseSequence(),
                        f.expected);
                hub.metrics().refused();
                f.resyncing = true;
                sendFollow(session, key, f.expected, generation);
                break;
            }
            f.expected = end;
            if (lag.oldestPendingAppendMs == 0) {
                lag.oldestPendingAppendMs = b.getAppendTimeMs();
            }
            last = submit(f, key, toStored(b));
            bytes += b.getPayload().size();
            records += b.getRecordCount();
            count++;
        }
        if (last == null) {
            return;
        }
        long appliedBytes = bytes;
        long appliedRecords = records;
        int appliedBatches = count;
        last.whenComplete((r, e) -> session.execute(() -> {
            if (e != null) {
                Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                log.warn("replica shard {}: storing replicated batches failed: {}", key, cause.toString());
                long at = hwm(key, f.expected);
                f.expected = at;
                f.resyncing = true;
                sendFollow(session, key, at, generation);
                return;
            }
            long next = r.baseSequence() + r.recordCount();
            hub.metrics().applied(appliedBatches, appliedRecords, appliedBytes);
            lag.applied(next, appliedBytes);
            lag.state = "following";
            if (next >= f.expected) {
                lag.oldestPendingAppendMs = 0;
            }
            session.send(Frame.newBuilder()
                    .setReplicaAck(ReplicaAck.newBuilder()
                            .setStream(key.stream())
                            .setShardId(key.shardId())
                            .setNextSequence(next)
                            .setReplicaRegion(hub.region()))
                    .build());
        }));
    }

    /** The home says this shard holds what it does not: drop it (counted) and follow again from there. */
    private void cutAndFollow(
            Session session, Follow f, ShardKey key, long cutAt, long generation, LagBoard.Entry lag) {
        f.resyncing = true;
        hub.store()
                .truncate(key, cutAt)
                .whenComplete((removed, e) -> session.execute(() -> {
                    if (e != null) {
                        Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                        log.error(
                                "replica shard {} holds records past its home's high-water mark {} and cannot cut there: {};"
                                        + " not following it (delete this region's copy of the stream to start over)",
                                key,
                                cutAt,
                                cause.toString());
                        hub.metrics().refused();
                        lag.state = "diverged: " + cause.getMessage();
                        return;
                    }
                    hub.metrics().truncated(removed);
                    log.warn(
                            "replica shard {}: dropped {} record(s) at and after {} that its home does not hold",
                            key,
                            removed,
                            cutAt);
                    f.expected = cutAt;
                    lag.replicaNext = cutAt;
                    // Follow again with the batch below the cut, so a divergence further back is found too.
                    hub.worker().execute(() -> {
                        Integer crc = null;
                        try {
                            crc = BatchCrc.endingAt(hub.store(), key, cutAt)
                                    .filter(b -> b.nextSequence() == cutAt)
                                    .map(BatchCrc::of)
                                    .orElse(null);
                        } catch (RuntimeException ignored) {
                            // nothing to compare: follow without
                        }
                        Integer previous = crc;
                        session.execute(() -> {
                            ReplicaFollow.Builder follow = ReplicaFollow.newBuilder()
                                    .setStream(key.stream())
                                    .setShardId(key.shardId())
                                    .setFromSequence(cutAt)
                                    .setReplicaRegion(hub.region())
                                    .setGeneration(generation);
                            if (previous != null) {
                                follow.setPreviousBatchCrc(previous);
                            }
                            session.send(
                                    Frame.newBuilder().setReplicaFollow(follow).build());
                        });
                    });
                }));
    }

    private long hwm(ShardKey key, long fallback) {
        try {
            return hub.store().info(key).nextSequence();
        } catch (RuntimeException e) {
            return fallback;
        }
    }

    static StoredBatch toStored(ReplicatedBatch b) {
        return new StoredBatch(
                b.getBaseSequence(),
                b.getRecordCount(),
                b.getCodec(),
                b.getAppendTimeMs(),
                b.getFirstEventTimeMs(),
                b.getLastEventTimeMs(),
                new ProducerKey(b.getAgentId(), b.getLane(), b.getAgentEpoch()),
                b.getProducerFirstSequence(),
                b.getProducerLastSequence(),
                b.getPayload().asReadOnlyByteBuffer());
    }

    private static Frame refusal(String stream, Refusal r) {
        ReplicaRefused.Builder b =
                ReplicaRefused.newBuilder().setStreamName(stream).setReason(r.getMessage());
        r.newer().ifPresent(d -> b.setStream(StreamMessages.toDescription(d)));
        return Frame.newBuilder().setReplicaRefused(b).build();
    }
}
