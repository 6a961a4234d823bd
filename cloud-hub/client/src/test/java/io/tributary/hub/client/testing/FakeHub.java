package io.tributary.hub.client.testing;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.tributary.hub.client.core.HubEndpoint;
import io.tributary.protocol.v1.Batch;
import io.tributary.protocol.v1.BatchAck;
import io.tributary.protocol.v1.CheckpointAck;
import io.tributary.protocol.v1.ConnectionError;
import io.tributary.protocol.v1.ErrorCode;
import io.tributary.protocol.v1.Frame;
import io.tributary.protocol.v1.LeaseAssignment;
import io.tributary.protocol.v1.Nack;
import io.tributary.protocol.v1.NackReason;
import io.tributary.protocol.v1.Pong;
import io.tributary.protocol.v1.ReadError;
import io.tributary.protocol.v1.ReadErrorCode;
import io.tributary.protocol.v1.Throttle;
import io.tributary.protocol.v1.Welcome;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A hub stand-in speaking the frame protocol, for tests of the client's link ({@link
 * io.tributary.hub.client.spi.HubSession}): answers Hello with Welcome (granting {@link #GRANT} to a peer that presents
 * no grant, keeping the one presented otherwise), answers Pings, acknowledges every Batch, and records every frame it
 * receives with its arrival time. Modes stage trouble: refuse connections (accept and close at once), go silent after
 * the Welcome (a half-open link), throttle batches, fence after the Welcome, redirect batches to the stream's home
 * ({@code NOT_HOME}), leave batches unconfirmed by a replica ({@code NOT_REPLICATED}).
 *
 * <p>Thread rules: state is guarded by {@code this}; the server runs on its own event loop.
 */
public final class FakeHub implements AutoCloseable {
    /** The epoch grant given to a peer that presents none. */
    public static final long GRANT = 7L << 32;

    /** A frame as it arrived. */
    public record Arrival(Frame frame, long nanos) {}

    private final FrameServer server;
    private final List<Arrival> arrivals = new ArrayList<>();
    private final List<Long> welcomeNanos = new ArrayList<>();
    private final List<Long> throttleNanos = new ArrayList<>();
    private final List<Long> closeNanos = new ArrayList<>();
    private final AtomicInteger hellos = new AtomicInteger();
    private final AtomicInteger throttles = new AtomicInteger();
    private volatile boolean refuse;
    private volatile boolean silent;
    private volatile boolean fence;
    private volatile int throttleMs;
    private volatile boolean fenceAtHello;
    private volatile String homeEndpoint;
    private volatile String writerEndpoint;
    private volatile String coordinatorEndpoint;
    private volatile LeaseAssignment heartbeatAnswer;
    private final java.util.concurrent.atomic.AtomicInteger unavailableCheckpoints =
            new java.util.concurrent.atomic.AtomicInteger();
    private volatile String checkpointCoordinator;
    private volatile boolean acceptCheckpoints;
    private volatile boolean notReplicated;
    private final AtomicInteger hangUps = new AtomicInteger();

    public FakeHub() throws InterruptedException {
        server = new FrameServer(() -> refuse, Handler::new);
    }

    /** An endpoint where nothing listens (a hub that is down): a port bound and released again. */
    public static HubEndpoint downEndpoint() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return new HubEndpoint("127.0.0.1", s.getLocalPort());
        }
    }

    public HubEndpoint endpoint() {
        return server.endpoint();
    }

    /** Accept TCP connections and close them at once (the attempt fails), or stop doing so. */
    public void refuseConnections(boolean value) {
        this.refuse = value;
    }

    /** Answer the Hello, then nothing at all: no Pongs, no acks (a hub gone without closing its sockets). */
    public void silentAfterWelcome(boolean value) {
        this.silent = value;
    }

    /** Throttle the first batch of each connection for {@code retryAfterMs} (0: never throttle). */
    public void throttleFirstBatch(int retryAfterMs) {
        this.throttleMs = retryAfterMs;
    }

    /** After the Welcome, fence the peer on the live connection ({@code ERROR_CODE_FENCED}) and close. */
    public void fenceAfterWelcome(boolean value) {
        this.fence = value;
    }

    /** Refuse every Hello with {@code ERROR_CODE_FENCED} (a superseded grant at the handshake). */
    public void fenceAtHello(boolean value) {
        this.fenceAtHello = value;
    }

    /** Answer every Batch with a NOT_HOME nack naming {@code home} (HOST:PORT, null: ack again) in region "us". */
    public void redirectBatchesTo(String home) {
        this.homeEndpoint = home;
    }

    /**
     * Answer every Subscribe with {@code ReadError SHARD_UNAVAILABLE} naming {@code writer} (HOST:PORT, null: ignore
     * subscriptions again) as the hub that writes the shard.
     */
    public void redirectReadsTo(String writer) {
        this.writerEndpoint = writer;
    }

    /**
     * Answer every LeaseHeartbeat with a LeaseAssignment (no leases) and every Checkpoint with a refused CheckpointAck,
     * both naming {@code coordinator} (HOST:PORT, null: ignore them again) as the hub that coordinates the group.
     */
    public void redirectGroupsTo(String coordinator) {
        this.coordinatorEndpoint = coordinator;
        this.checkpointCoordinator = coordinator;
    }

    /** Answer every LeaseHeartbeat with {@code answer} (its request id set; null: ignore them again). */
    public void answerHeartbeats(LeaseAssignment answer) {
        this.heartbeatAnswer = answer;
    }

    /** As {@link #redirectGroupsTo} for checkpoints only (heartbeats are ignored, or answered as set). */
    public void redirectCheckpointsTo(String coordinator) {
        this.checkpointCoordinator = coordinator;
    }

    /** Refuse the next {@code count} Checkpoints as unavailable (the group's state cannot be had now). */
    public void unavailableCheckpoints(int count) {
        unavailableCheckpoints.set(count);
    }

    /** Accept every Checkpoint (unless redirected). */
    public void acceptCheckpoints(boolean value) {
        this.acceptCheckpoints = value;
    }

    /** Answer the first batch of each connection NOT_REPLICATED (retriable), and ack the rest. */
    public void notReplicatedFirstBatch(boolean value) {
        this.notReplicated = value;
    }

    /** The next {@code connections} handshakes get their Welcome, then the connection is closed at once. */
    public void hangUpAfterWelcome(int connections) {
        hangUps.set(connections);
    }

    /** Closes every connection (the hub stays up). */
    public void dropConnections() {
        server.dropConnections();
    }

    public int hellos() {
        return hellos.get();
    }

    public int throttles() {
        return throttles.get();
    }

    /** Frames of {@code kind} received, in order of arrival. */
    public synchronized List<Arrival> received(Frame.BodyCase kind) {
        return arrivals.stream().filter(a -> a.frame().getBodyCase() == kind).toList();
    }

    public synchronized List<Long> welcomeNanos() {
        return List.copyOf(welcomeNanos);
    }

    public synchronized List<Long> throttleNanos() {
        return List.copyOf(throttleNanos);
    }

    /** When connections were closed, by either side. */
    public synchronized List<Long> closeNanos() {
        return List.copyOf(closeNanos);
    }

    private synchronized void note(List<Long> list, long nanos) {
        list.add(nanos);
    }

    private synchronized void arrived(Frame frame) {
        arrivals.add(new Arrival(frame, System.nanoTime()));
    }

    @Override
    public void close() {
        server.close();
    }

    private final class Handler extends SimpleChannelInboundHandler<Frame> {
        private boolean welcomed;
        private int batches;

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Frame frame) {
            arrived(frame);
            if (welcomed && silent) {
                return;
            }
            switch (frame.getBodyCase()) {
                case HELLO -> {
                    hellos.incrementAndGet();
                    if (fenceAtHello) {
                        ctx.writeAndFlush(fenced()).addListener(ChannelFutureListener.CLOSE);
                        return;
                    }
                    long presented = frame.getHello().getAgentEpoch();
                    ChannelFuture welcome = ctx.writeAndFlush(Frame.newBuilder()
                            .setWelcome(Welcome.newBuilder()
                                    .setVersion(1)
                                    .setHubId("fake-hub")
                                    .setRegion("test")
                                    .setGrantedEpoch(presented == 0 ? GRANT : presented))
                            .build());
                    welcomed = true;
                    note(welcomeNanos, System.nanoTime());
                    if (fence) {
                        ctx.writeAndFlush(fenced()).addListener(ChannelFutureListener.CLOSE);
                    } else if (hangUps.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                        welcome.addListener(ChannelFutureListener.CLOSE);
                    }
                }
                case PING ->
                    ctx.writeAndFlush(Frame.newBuilder()
                            .setPong(Pong.newBuilder().setNonce(frame.getPing().getNonce()))
                            .build());
                case BATCH -> onBatch(ctx, frame.getBatch());
                case LEASE_HEARTBEAT -> {
                    String coordinator = coordinatorEndpoint;
                    LeaseAssignment answer = heartbeatAnswer;
                    if (coordinator == null && answer != null) {
                        ctx.writeAndFlush(Frame.newBuilder()
                                .setLeaseAssignment(answer.toBuilder()
                                        .setRequestId(frame.getLeaseHeartbeat().getRequestId()))
                                .build());
                    } else if (coordinator != null) {
                        ctx.writeAndFlush(Frame.newBuilder()
                                .setLeaseAssignment(LeaseAssignment.newBuilder()
                                        .setRequestId(frame.getLeaseHeartbeat().getRequestId())
                                        .setLeaseTimeoutMs(10_000)
                                        .setCoordinatorEndpoint(coordinator))
                                .build());
                    }
                }
                case CHECKPOINT -> {
                    String coordinator = checkpointCoordinator;
                    if (unavailableCheckpoints.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                        ctx.writeAndFlush(Frame.newBuilder()
                                .setCheckpointAck(CheckpointAck.newBuilder()
                                        .setRequestId(frame.getCheckpoint().getRequestId())
                                        .setAccepted(false)
                                        .setUnavailable(true)
                                        .setReason("checkpoint not taken now: store down (test)"))
                                .build());
                    } else if (coordinator == null && acceptCheckpoints) {
                        ctx.writeAndFlush(Frame.newBuilder()
                                .setCheckpointAck(CheckpointAck.newBuilder()
                                        .setRequestId(frame.getCheckpoint().getRequestId())
                                        .setAccepted(true))
                                .build());
                    } else if (coordinator != null) {
                        ctx.writeAndFlush(Frame.newBuilder()
                                .setCheckpointAck(CheckpointAck.newBuilder()
                                        .setRequestId(frame.getCheckpoint().getRequestId())
                                        .setAccepted(false)
                                        .setReason("coordinated by " + coordinator + " (test)")
                                        .setCoordinatorEndpoint(coordinator))
                                .build());
                    }
                }
                case SUBSCRIBE -> {
                    String writer = writerEndpoint;
                    if (writer != null) {
                        ctx.writeAndFlush(Frame.newBuilder()
                                .setReadError(ReadError.newBuilder()
                                        .setId(frame.getSubscribe().getSubscriptionId())
                                        .setCode(ReadErrorCode.READ_ERROR_CODE_SHARD_UNAVAILABLE)
                                        .setMessage("written by another hub: " + writer + " (test)")
                                        .setWriterEndpoint(writer))
                                .build());
                    }
                }
                default -> {}
            }
        }

        private static Frame fenced() {
            return Frame.newBuilder()
                    .setError(ConnectionError.newBuilder()
                            .setCode(ErrorCode.ERROR_CODE_FENCED)
                            .setMessage("a newer instance holds a newer grant (test)"))
                    .build();
        }

        private void onBatch(ChannelHandlerContext ctx, Batch b) {
            boolean first = batches++ == 0;
            String home = homeEndpoint;
            if (home != null || (first && notReplicated)) {
                Nack.Builder nack = Nack.newBuilder().setBatchId(b.getBatchId()).setRetriable(true);
                if (home != null) {
                    nack.setReason(NackReason.NACK_REASON_NOT_HOME)
                            .setHomeEndpoint(home)
                            .setHomeRegion("us");
                } else {
                    nack.setReason(NackReason.NACK_REASON_NOT_REPLICATED);
                }
                ctx.writeAndFlush(Frame.newBuilder().setNack(nack).build());
                return;
            }
            if (first && throttleMs > 0) {
                throttles.incrementAndGet();
                note(throttleNanos, System.nanoTime());
                ctx.writeAndFlush(Frame.newBuilder()
                        .setThrottle(Throttle.newBuilder()
                                .setBatchId(b.getBatchId())
                                .setRetryAfterMs(throttleMs)
                                .setReason("test quota"))
                        .build());
                return;
            }
            BatchAck.Builder ack =
                    BatchAck.newBuilder().setBatchId(b.getBatchId()).addShards("shard-0");
            for (int i = 0; i < b.getRecordCount(); i++) {
                ack.addShardIndex(0).addSequence(b.getFirstSequence() + i);
            }
            ctx.writeAndFlush(Frame.newBuilder()
                    .setBatchAck(ack.setDurableWatermark(b.getLastSequence()))
                    .build());
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            note(closeNanos, System.nanoTime());
        }
    }
}
