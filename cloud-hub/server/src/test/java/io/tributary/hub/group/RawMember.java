package io.tributary.hub.group;

import io.tributary.hub.client.core.ClientOptions;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.hub.client.internal.FrameListener;
import io.tributary.hub.client.internal.HubConnection;
import io.tributary.protocol.v1.Checkpoint;
import io.tributary.protocol.v1.CheckpointAck;
import io.tributary.protocol.v1.Frame;
import io.tributary.protocol.v1.LeaseAssignment;
import io.tributary.protocol.v1.LeaseHeartbeat;
import io.tributary.protocol.v1.PeerRole;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A group member driven by hand over one connection to one hub (it follows no redirect): heartbeats and checkpoints
 * only when the test says so, answers as the hub gave them. Public for the Pulsar store's group tests (test jar).
 */
public final class RawMember implements AutoCloseable {
    private final HubConnection conn;
    private final String stream;
    private final String group;
    final String id;
    private final AtomicReference<CompletableFuture<Frame>> next = new AtomicReference<>();

    public RawMember(ClientResources resources, ClientOptions options, String stream, String group, String id)
            throws Exception {
        this.stream = stream;
        this.group = group;
        this.id = id;
        conn = HubConnection.connect(
                        resources,
                        options.endpoints().get(0),
                        options,
                        PeerRole.PEER_ROLE_CONSUMER,
                        id,
                        0,
                        new FrameListener() {
                            @Override
                            public void onFrame(HubConnection c, Frame f) {
                                CompletableFuture<Frame> p = next.getAndSet(null);
                                if (p != null) {
                                    p.complete(f);
                                }
                            }

                            @Override
                            public void onClosed(HubConnection c, String reason) {
                                CompletableFuture<Frame> p = next.getAndSet(null);
                                if (p != null) {
                                    p.completeExceptionally(new IOException("connection closed: " + reason));
                                }
                            }
                        })
                .get(30, TimeUnit.SECONDS);
    }

    private Frame call(Frame f) throws Exception {
        CompletableFuture<Frame> p = new CompletableFuture<>();
        next.set(p);
        conn.send(f);
        return p.get(30, TimeUnit.SECONDS);
    }

    public LeaseAssignment heartbeat() throws Exception {
        return call(Frame.newBuilder()
                        .setLeaseHeartbeat(LeaseHeartbeat.newBuilder()
                                .setStream(stream)
                                .setConsumerGroup(group)
                                .setMemberId(id))
                        .build())
                .getLeaseAssignment();
    }

    /** A checkpoint that does not end the shard. */
    public CheckpointAck checkpoint(String shard, long token, long sequence) throws Exception {
        return checkpoint(shard, token, sequence, false);
    }

    public CheckpointAck checkpoint(String shard, long token, long sequence, boolean end) throws Exception {
        return call(Frame.newBuilder()
                        .setCheckpoint(Checkpoint.newBuilder()
                                .setStream(stream)
                                .setConsumerGroup(group)
                                .setShardId(shard)
                                .setMemberId(id)
                                .setLeaseToken(token)
                                .setSequence(sequence)
                                .setShardEnd(end))
                        .build())
                .getCheckpointAck();
    }

    @Override
    public void close() {
        conn.close();
    }
}
