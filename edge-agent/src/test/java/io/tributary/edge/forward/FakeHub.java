package io.tributary.edge.forward;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.tributary.edge.buffer.DurableBuffer;
import io.tributary.hub.client.testing.FrameServer;
import io.tributary.protocol.batch.BatchFormatException;
import io.tributary.protocol.batch.BatchPayloads;
import io.tributary.protocol.v1.Batch;
import io.tributary.protocol.v1.BatchAck;
import io.tributary.protocol.v1.Frame;
import io.tributary.protocol.v1.Nack;
import io.tributary.protocol.v1.NackReason;
import io.tributary.protocol.v1.Record;
import io.tributary.protocol.v1.RecordId;
import io.tributary.protocol.v1.Throttle;
import io.tributary.protocol.v1.Welcome;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A hub stand-in for forwarder tests: answers Hello with Welcome, de-duplicates records by id, enforces the hub's
 * sequence contract (a run of a known (agent, lane, epoch) must start at or below highest + 1 unless it declares {@code
 * gap_before}, else a retriable OUT_OF_SEQUENCE nack) and acks. A {@link #policy} decides per batch whether to ack,
 * nack, throttle, stay silent, redirect (NOT_HOME), store without confirming (NOT_REPLICATED) or drop the connection.
 *
 * <p>Thread rules: state is guarded by {@code this}; the policy runs on the server's event loop.
 */
public final class FakeHub implements AutoCloseable {

    /** What to answer to one batch. */
    public sealed interface Reply {}

    public record Ack(long delayMs) implements Reply {}

    public record Refuse(NackReason reason, boolean retriable) implements Reply {}

    public record ThrottleFor(int retryAfterMs) implements Reply {}

    public record DropConnection() implements Reply {}

    /** Not the stream's home: a NOT_HOME nack naming {@code homeEndpoint} (HOST:PORT) in {@code region}. */
    public record NotHome(String homeEndpoint, String region) implements Reply {}

    /** Stores the batch (at home) but answers NOT_REPLICATED: no replica confirmed it in time. */
    public record NotReplicated() implements Reply {}

    /** Stores the batch at once (it is durable at the hub) but answers only when {@code gate} completes. */
    public record AckWhen(CompletableFuture<?> gate) implements Reply {}

    public static final Reply ACK = new Ack(0);

    /** The epoch grant this hub gives an agent that presents none (it keeps one that presents its own). */
    static final long GRANT = 5L << 32;

    /**
     * Opens a buffer that holds {@link #GRANT} already, as after its first connection, so the records it stores carry
     * the ids they are sent with.
     */
    static DurableBuffer openGranted(Supplier<DurableBuffer> open) {
        DurableBuffer b = open.get();
        if (b.epochGrant() == 0) {
            b.recordEpochGrant(GRANT).join();
            b.close();
            b = open.get();
        }
        return b;
    }

    private record LaneKey(String agent, String lane, long epoch) {}

    private final FrameServer server;
    private final Map<RecordId, Record> stored = new LinkedHashMap<>();
    private final Map<LaneKey, Long> highest = new HashMap<>();
    private final List<Batch> batches = new ArrayList<>();
    private final List<Long> batchNanos = new ArrayList<>();
    private final AtomicInteger hellos = new AtomicInteger();
    private final AtomicInteger hangUps = new AtomicInteger();
    private volatile Function<Batch, Reply> policy = b -> ACK;
    private volatile boolean storeBeforeReply = true;
    private int duplicates;

    public FakeHub() throws InterruptedException {
        server = new FrameServer(() -> false, Handler::new);
    }

    public String address() {
        return server.endpoint().toString();
    }

    public void policy(Function<Batch, Reply> p) {
        this.policy = p;
    }

    /** Whether a dropped-connection reply stores the batch first (the hub made it durable, the ack was lost). */
    public void storeBeforeDrop(boolean value) {
        this.storeBeforeReply = value;
    }

    /** The next {@code connections} handshakes get their Welcome, then the connection is closed at once. */
    public void hangUpAfterWelcome(int connections) {
        hangUps.set(connections);
    }

    public synchronized List<Record> records() {
        return List.copyOf(stored.values());
    }

    public synchronized int recordCount() {
        return stored.size();
    }

    public synchronized List<Batch> batches() {
        return List.copyOf(batches);
    }

    /** System.nanoTime() of each batch's arrival, in order. */
    public synchronized List<Long> batchArrivals() {
        return List.copyOf(batchNanos);
    }

    public synchronized int duplicates() {
        return duplicates;
    }

    public int hellos() {
        return hellos.get();
    }

    public void dropConnections() {
        server.dropConnections();
    }

    @Override
    public void close() {
        server.close();
    }

    /** Stores the run; null when it does not continue the lane (an out-of-sequence gap). */
    private synchronized void arrived(Batch b) {
        batches.add(b);
        batchNanos.add(System.nanoTime());
    }

    private synchronized BatchAck store(String agent, Batch b) throws BatchFormatException {
        List<Record> records = BatchPayloads.decode(b.getPayload(), b.getCodec(), 64 << 20);
        LaneKey key = new LaneKey(agent, b.getLane(), b.getAgentEpoch());
        Long high = highest.get(key);
        if (high != null && b.getFirstSequence() > high + 1 && !b.getGapBefore()) {
            return null;
        }
        BatchAck.Builder ack = BatchAck.newBuilder().setBatchId(b.getBatchId()).addShards("shard-0");
        int dups = 0;
        for (Record r : records) {
            if (stored.putIfAbsent(r.getId(), r) != null) {
                dups++;
            }
            ack.addShardIndex(0).addSequence(r.getId().getSequence());
        }
        duplicates += dups;
        long newHigh = Math.max(high == null ? -1 : high, b.getLastSequence());
        highest.put(key, newHigh);
        return ack.setDuplicates(dups).setDurableWatermark(newHigh).build();
    }

    /** The ack of a stored batch, or the nack of one that does not continue its lane (null ack). */
    private static Frame answer(Batch b, BatchAck ack) {
        return ack == null
                ? Frame.newBuilder()
                        .setNack(Nack.newBuilder()
                                .setBatchId(b.getBatchId())
                                .setReason(NackReason.NACK_REASON_OUT_OF_SEQUENCE)
                                .setRetriable(true))
                        .build()
                : Frame.newBuilder().setBatchAck(ack).build();
    }

    private final class Handler extends SimpleChannelInboundHandler<Frame> {
        private String agent = "";

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Frame frame) throws Exception {
            switch (frame.getBodyCase()) {
                case HELLO -> {
                    hellos.incrementAndGet();
                    agent = frame.getHello().getAgentId();
                    ChannelFuture welcome = ctx.writeAndFlush(Frame.newBuilder()
                            .setWelcome(Welcome.newBuilder()
                                    .setVersion(1)
                                    .setHubId("fake-hub")
                                    .setRegion("test")
                                    .setGrantedEpoch(
                                            frame.getHello().getAgentEpoch() == 0
                                                    ? GRANT
                                                    : frame.getHello().getAgentEpoch()))
                            .build());
                    if (hangUps.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                        welcome.addListener(ChannelFutureListener.CLOSE);
                    }
                }
                case BATCH -> onBatch(ctx, frame.getBatch());
                default -> {}
            }
        }

        private void nack(ChannelHandlerContext ctx, Batch b, Nack.Builder nack) {
            ctx.writeAndFlush(Frame.newBuilder()
                    .setNack(nack.setBatchId(b.getBatchId()).setMessage("refused by test"))
                    .build());
        }

        private void onBatch(ChannelHandlerContext ctx, Batch b) throws BatchFormatException {
            arrived(b);
            Reply reply = policy.apply(b);
            if (reply instanceof Ack a) {
                Frame out = answer(b, store(agent, b));
                if (a.delayMs() > 0) {
                    ctx.executor().schedule(() -> ctx.writeAndFlush(out), a.delayMs(), TimeUnit.MILLISECONDS);
                } else {
                    ctx.writeAndFlush(out);
                }
            } else if (reply instanceof AckWhen w) {
                Frame out = answer(b, store(agent, b));
                w.gate().whenComplete((v, e) -> ctx.executor().execute(() -> ctx.writeAndFlush(out)));
            } else if (reply instanceof Refuse r) {
                nack(ctx, b, Nack.newBuilder().setReason(r.reason()).setRetriable(r.retriable()));
            } else if (reply instanceof NotHome h) {
                nack(
                        ctx,
                        b,
                        Nack.newBuilder()
                                .setReason(NackReason.NACK_REASON_NOT_HOME)
                                .setRetriable(true)
                                .setHomeEndpoint(h.homeEndpoint())
                                .setHomeRegion(h.region()));
            } else if (reply instanceof NotReplicated) {
                store(agent, b);
                nack(
                        ctx,
                        b,
                        Nack.newBuilder()
                                .setReason(NackReason.NACK_REASON_NOT_REPLICATED)
                                .setRetriable(true));
            } else if (reply instanceof ThrottleFor t) {
                ctx.writeAndFlush(Frame.newBuilder()
                        .setThrottle(Throttle.newBuilder()
                                .setBatchId(b.getBatchId())
                                .setRetryAfterMs(t.retryAfterMs())
                                .setReason("test quota"))
                        .build());
            } else {
                if (storeBeforeReply) {
                    store(agent, b);
                }
                ctx.close();
            }
        }
    }
}
