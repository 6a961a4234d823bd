package io.tributary.hub.client;

import io.tributary.hub.client.core.ClientOptions;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.hub.client.core.HubClientException;
import io.tributary.hub.client.core.HubEndpoint;
import io.tributary.hub.client.internal.FrameListener;
import io.tributary.hub.client.internal.HubConnection;
import io.tributary.protocol.v1.AckLevel;
import io.tributary.protocol.v1.AdminRequest;
import io.tributary.protocol.v1.AdminResponse;
import io.tributary.protocol.v1.CreateStream;
import io.tributary.protocol.v1.DeleteStream;
import io.tributary.protocol.v1.DescribeGroup;
import io.tributary.protocol.v1.DescribeStream;
import io.tributary.protocol.v1.Frame;
import io.tributary.protocol.v1.GroupDescription;
import io.tributary.protocol.v1.ListStreams;
import io.tributary.protocol.v1.MergeShards;
import io.tributary.protocol.v1.PartitionKeyMode;
import io.tributary.protocol.v1.PeerRole;
import io.tributary.protocol.v1.PromoteStream;
import io.tributary.protocol.v1.SetAckLevel;
import io.tributary.protocol.v1.SplitShard;
import io.tributary.protocol.v1.StreamDescription;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Administers streams on a hub: create, describe, list, delete, split, merge, and describe a consumer group.
 * Blocking calls with a timeout; not for use on Netty threads. Thread-safe.
 */
public final class AdminClient implements AutoCloseable {
    private final HubConnection connection;
    private final Duration timeout;
    private final AtomicLong ids = new AtomicLong();
    private final Map<Long, CompletableFuture<AdminResponse>> pending = new ConcurrentHashMap<>();

    private AdminClient(HubConnection connection, Duration timeout) {
        this.connection = connection;
        this.timeout = timeout;
    }

    /** Connects to the first reachable endpoint. */
    public static AdminClient connect(ClientResources resources, ClientOptions options) {
        HubClientException last = null;
        for (HubEndpoint ep : options.endpoints()) {
            AdminClient[] self = new AdminClient[1];
            try {
                HubConnection c = HubConnection.connect(
                                resources, ep, options, PeerRole.PEER_ROLE_ADMIN, "admin", 0, new FrameListener() {
                                    @Override
                                    public void onFrame(HubConnection conn, Frame frame) {
                                        if (frame.hasAdminResponse() && self[0] != null) {
                                            CompletableFuture<AdminResponse> f = self[0].pending.remove(
                                                    frame.getAdminResponse().getRequestId());
                                            if (f != null) {
                                                f.complete(frame.getAdminResponse());
                                            }
                                        }
                                    }

                                    @Override
                                    public void onClosed(HubConnection conn, String reason) {
                                        if (self[0] != null) {
                                            HubClientException e = new HubClientException(reason, true);
                                            self[0].pending.values().forEach(f -> f.completeExceptionally(e));
                                            self[0].pending.clear();
                                        }
                                    }
                                })
                        .get(options.connectTimeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
                self[0] = new AdminClient(c, Duration.ofSeconds(30));
                return self[0];
            } catch (ExecutionException e) {
                last = e.getCause() instanceof HubClientException h
                        ? h
                        : new HubClientException(e.getCause().getMessage(), true, e.getCause());
            } catch (TimeoutException e) {
                last = new HubClientException("hub " + ep + " did not answer", true, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new HubClientException("interrupted", false, e);
            }
        }
        throw last;
    }

    public StreamDescription createStream(
            String stream, int shards, PartitionKeyMode keyMode, long retentionMs, long retentionBytes) {
        AdminResponse r = call(AdminRequest.newBuilder()
                .setCreateStream(CreateStream.newBuilder()
                        .setStream(stream)
                        .setShardCount(shards)
                        .setKeyMode(keyMode)
                        .setRetentionMs(retentionMs)
                        .setRetentionBytes(retentionBytes)));
        return r.getStreams(0);
    }

    /** Creates a stream as the request says (replica regions and ack level included). */
    public StreamDescription createStream(CreateStream request) {
        return call(AdminRequest.newBuilder().setCreateStream(request)).getStreams(0);
    }

    /** Changes a replicated stream's ack level; send it to the stream's home. */
    public StreamDescription setAckLevel(String stream, AckLevel level) {
        return call(AdminRequest.newBuilder()
                        .setSetAckLevel(
                                SetAckLevel.newBuilder().setStream(stream).setAckLevel(level)))
                .getStreams(0);
    }

    /**
     * Makes the hub this client is connected to the home of {@code stream}, which it replicates. With {@code graceful}
     * the current home stops taking writes and the call returns once this hub holds everything it stored.
     */
    public StreamDescription promoteStream(String stream, boolean graceful) {
        return call(AdminRequest.newBuilder()
                        .setPromoteStream(
                                PromoteStream.newBuilder().setStream(stream).setGraceful(graceful)))
                .getStreams(0);
    }

    public StreamDescription describeStream(String stream) {
        return call(AdminRequest.newBuilder()
                        .setDescribeStream(DescribeStream.newBuilder().setStream(stream)))
                .getStreams(0);
    }

    public List<StreamDescription> listStreams() {
        return call(AdminRequest.newBuilder().setListStreams(ListStreams.getDefaultInstance()))
                .getStreamsList();
    }

    public void deleteStream(String stream) {
        call(AdminRequest.newBuilder().setDeleteStream(DeleteStream.newBuilder().setStream(stream)));
    }

    /** Splits a shard at {@code splitHash} (0: the middle of its range). */
    public StreamDescription splitShard(String stream, String shardId, long splitHash) {
        return call(AdminRequest.newBuilder()
                        .setSplitShard(SplitShard.newBuilder()
                                .setStream(stream)
                                .setShardId(shardId)
                                .setSplitHash(splitHash)))
                .getStreams(0);
    }

    public StreamDescription mergeShards(String stream, String shardId, String adjacentShardId) {
        return call(AdminRequest.newBuilder()
                        .setMergeShards(MergeShards.newBuilder()
                                .setStream(stream)
                                .setShardId(shardId)
                                .setAdjacentShardId(adjacentShardId)))
                .getStreams(0);
    }

    public GroupDescription describeGroup(String stream, String group) {
        return call(AdminRequest.newBuilder()
                        .setDescribeGroup(
                                DescribeGroup.newBuilder().setStream(stream).setConsumerGroup(group)))
                .getGroup();
    }

    private AdminResponse call(AdminRequest.Builder request) {
        long id = ids.incrementAndGet();
        CompletableFuture<AdminResponse> f = new CompletableFuture<>();
        pending.put(id, f);
        connection.send(
                Frame.newBuilder().setAdminRequest(request.setRequestId(id)).build());
        AdminResponse r;
        try {
            r = f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof HubClientException h
                    ? h
                    : new HubClientException(String.valueOf(e.getCause().getMessage()), true, e.getCause());
        } catch (TimeoutException e) {
            pending.remove(id);
            throw new HubClientException("hub did not answer within " + timeout, true, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HubClientException("interrupted", false, e);
        }
        if (!r.getOk()) {
            throw new HubClientException(r.getError(), false);
        }
        return r;
    }

    @Override
    public void close() {
        connection.close();
    }
}
