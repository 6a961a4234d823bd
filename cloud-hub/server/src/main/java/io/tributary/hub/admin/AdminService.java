package io.tributary.hub.admin;

import io.tributary.hub.replication.Replicator;
import io.tributary.hub.server.FrameService;
import io.tributary.hub.server.HubContext;
import io.tributary.hub.server.Session;
import io.tributary.hub.store.ShardInfo;
import io.tributary.hub.store.ShardKey;
import io.tributary.hub.store.ShardStatus;
import io.tributary.hub.stream.Replication;
import io.tributary.hub.stream.Reshard;
import io.tributary.hub.stream.StreamDefinition;
import io.tributary.hub.stream.StreamException;
import io.tributary.hub.stream.StreamMessages;
import io.tributary.protocol.v1.AdminRequest;
import io.tributary.protocol.v1.AdminResponse;
import io.tributary.protocol.v1.Frame;
import io.tributary.protocol.v1.GroupDescription;
import io.tributary.protocol.v1.ShardDescription;
import io.tributary.protocol.v1.StreamDescription;
import java.util.Optional;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers {@code AdminRequest}s: stream lifecycle and resharding against the {@code StreamRegistry}, with live shard
 * state (sequences, bytes, status) from the store. Registry changes fsync, so requests run on the hub's worker
 * executor; answers go back through the session.
 */
public final class AdminService implements FrameService {
    private static final Logger log = LoggerFactory.getLogger(AdminService.class);

    private final HubContext hub;
    private final Optional<BiFunction<String, String, GroupDescription>> groups;
    private final Optional<Replicator> replication;

    public AdminService(HubContext hub) {
        this(hub, null, null);
    }

    /**
     * @param groups describes a consumer group (blocking), or null when the hub has none
     * @param replication cross-region replication of the hub, or null when it has none
     */
    public AdminService(HubContext hub, BiFunction<String, String, GroupDescription> groups, Replicator replication) {
        this.hub = hub;
        this.groups = Optional.ofNullable(groups);
        this.replication = Optional.ofNullable(replication);
    }

    @Override
    public void onFrame(Session session, Frame frame) {
        AdminRequest request = frame.getAdminRequest();
        hub.worker()
                .execute(() -> session.send(Frame.newBuilder()
                        .setAdminResponse(answer(request).setRequestId(request.getRequestId()))
                        .build()));
    }

    /** Runs one request; never throws (errors become {@code ok=false} with a message). */
    public AdminResponse.Builder answer(AdminRequest request) {
        AdminResponse.Builder r = AdminResponse.newBuilder().setOk(true);
        try {
            switch (request.getOpCase()) {
                case CREATE_STREAM -> {
                    if (request.getCreateStream().getReplicasCount() > 0 && replication.isEmpty()) {
                        throw new StreamException(
                                StreamException.Reason.INVALID, "this hub does not replicate streams");
                    }
                    if (request.getCreateStream().getReplicasCount() > 0
                            && !hub.store().supportsReplicas()) {
                        throw new StreamException(
                                StreamException.Reason.INVALID,
                                "this hub's store (" + hub.config().store() + ") does not keep hub-to-hub replicas:"
                                        + " create the stream without replicas, or on a hub with store=local");
                    }
                    StreamDefinition s = hub.streams()
                            .create(
                                    request.getCreateStream(),
                                    hub.config().region(),
                                    replication.map(Replicator::endpoint).orElse(""));
                    log.info(
                            "created stream {} with {} shards{}",
                            s.name(),
                            s.openShards().size(),
                            s.replication().replicated()
                                    ? ", home region " + s.replication().homeRegion() + ", replicas "
                                            + s.replication().replicaRegions() + ", ack "
                                            + s.replication().ackLevel()
                                    : "");
                    r.addStreams(describe(s));
                }
                case SET_ACK_LEVEL -> {
                    String name = request.getSetAckLevel().getStream();
                    requireHome(name);
                    Replication.Ack level =
                            Replication.Ack.fromProto(request.getSetAckLevel().getAckLevel());
                    StreamDefinition s = hub.streams().updateReplication(name, rep -> {
                        if (!rep.replicated()) {
                            throw new StreamException(
                                    StreamException.Reason.INVALID, "stream " + name + " has no replicas");
                        }
                        return rep.withAck(level);
                    });
                    log.info("stream {}: ack level {}", name, level);
                    r.addStreams(describe(s));
                }
                case PROMOTE_STREAM -> {
                    if (replication.isEmpty()) {
                        throw new StreamException(
                                StreamException.Reason.INVALID, "this hub does not replicate streams");
                    }
                    r.addStreams(describe(replication.get().promote(request.getPromoteStream())));
                }
                case DESCRIBE_STREAM ->
                    r.addStreams(describe(
                            hub.streams().describe(request.getDescribeStream().getStream())));
                case LIST_STREAMS -> hub.streams().list().forEach(s -> r.addStreams(describe(s)));
                case DELETE_STREAM -> {
                    requireHome(request.getDeleteStream().getStream());
                    StreamDefinition s =
                            hub.streams().delete(request.getDeleteStream().getStream());
                    log.info("deleted stream {}", s.name());
                }
                case SPLIT_SHARD -> {
                    requireHome(request.getSplitShard().getStream());
                    Reshard reshard = hub.streams().split(request.getSplitShard());
                    log.info(
                            "split {}/{}",
                            request.getSplitShard().getStream(),
                            request.getSplitShard().getShardId());
                    r.addStreams(describe(reshard.after()));
                }
                case MERGE_SHARDS -> {
                    requireHome(request.getMergeShards().getStream());
                    Reshard reshard = hub.streams().merge(request.getMergeShards());
                    log.info(
                            "merged {}/{} and {}",
                            request.getMergeShards().getStream(),
                            request.getMergeShards().getShardId(),
                            request.getMergeShards().getAdjacentShardId());
                    r.addStreams(describe(reshard.after()));
                }
                case DESCRIBE_GROUP -> {
                    if (groups.isEmpty()) {
                        return AdminResponse.newBuilder()
                                .setOk(false)
                                .setError("consumer groups are not available on this hub");
                    }
                    r.setGroup(groups.get()
                            .apply(
                                    request.getDescribeGroup().getStream(),
                                    request.getDescribeGroup().getConsumerGroup()));
                }
                default -> {
                    return AdminResponse.newBuilder().setOk(false).setError("empty or unknown admin request");
                }
            }
        } catch (StreamException | IllegalArgumentException e) {
            return AdminResponse.newBuilder().setOk(false).setError(e.getMessage());
        } catch (RuntimeException e) {
            log.error("admin request {} failed", request.getOpCase(), e);
            return AdminResponse.newBuilder().setOk(false).setError("internal error: " + e);
        }
        return r;
    }

    /** Changes of a replicated stream are made at its home, which replicates them. */
    private void requireHome(String name) {
        StreamDefinition s = hub.streams().describe(name);
        if (!s.replication().isHome(hub.config().region())) {
            throw new StreamException(
                    StreamException.Reason.INVALID,
                    "not home: stream " + name + " is homed in region "
                            + s.replication().homeRegion() + " at "
                            + s.replication().homeEndpoint() + "; change it there");
        }
    }

    /** {@code online}, {@code offline: <cause>}, {@code written by another hub: <writer>} or the replica's cause. */
    private static String status(ShardInfo info) {
        return switch (info.status()) {
            case ONLINE -> "online";
            case WRITTEN_ELSEWHERE, REPLICA -> info.cause();
            case OFFLINE -> "offline: " + info.cause();
        };
    }

    /**
     * The shard's writer as {@code describe} reports it: this hub when the shard is ONLINE here (named as its store
     * names it, else by this hub's endpoint); another hub as the store names it; on a replica of hub-to-hub
     * replication the stream's home.
     */
    private void setWriter(ShardDescription.Builder shard, ShardInfo info, StreamDefinition stream) {
        String writer = info.writer();
        boolean here = info.status() == ShardStatus.ONLINE;
        if (writer.isEmpty() && here) {
            writer = endpoint();
        } else if (writer.isEmpty()
                && info.status() == ShardStatus.REPLICA
                && hub.store().supportsReplicas()) {
            writer = stream.replication().homeEndpoint();
        }
        shard.setWriter(writer).setWrittenHere(here);
    }

    /** This hub's {@code HOST:PORT}: replication's (advertised, else the listener's), else from the settings. */
    private String endpoint() {
        String advertised = replication.map(Replicator::endpoint).orElse(null);
        if (advertised != null) {
            return advertised;
        }
        advertised = hub.config().replication().advertisedEndpoint();
        return advertised.isEmpty() ? hub.config().host() + ":" + hub.config().port() : advertised;
    }

    /** The stream's description with each shard's live state and writer, and the store that holds it. */
    public StreamDescription describe(StreamDefinition stream) {
        StreamDescription.Builder d = StreamMessages.toDescription(stream).toBuilder()
                .setStore(hub.config().store())
                .setHubId(hub.config().hubId());
        for (int i = 0; i < d.getShardsCount(); i++) {
            ShardDescription.Builder shard = d.getShardsBuilder(i);
            ShardKey key = new ShardKey(stream.name(), shard.getShardId());
            try {
                ShardInfo info = hub.store().info(key);
                shard.setOldestSequence(info.oldestSequence())
                        .setNextSequence(info.nextSequence())
                        .setRetainedBytes(info.retainedBytes())
                        .setStatus(status(info));
                setWriter(shard, info, stream);
            } catch (RuntimeException e) {
                shard.setStatus("offline: " + e.getMessage());
            }
            replication.ifPresent(rep -> shard.addAllReplicaLag(rep.lags().lagOf(key)));
        }
        return d.build();
    }
}
