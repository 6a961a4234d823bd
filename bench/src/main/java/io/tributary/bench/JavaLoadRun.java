package io.tributary.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.HdrHistogram.Histogram;

/**
 * One run of {@link JavaLoadGen}: {@code conns} connections on one event loop; each keeps at most {@code window}
 * publishes unacknowledged and, when paced, has sent at most {@code elapsed × rate / conns + 1} (open loop, as the C
 * generator does). A 1 ms tick paces and watches the clock; PUBACKs refill the window at once. Publishes sent during
 * the measured window have their PUBACK latency recorded. After the run (or {@code stop}) it waits at most 15 s for the
 * outstanding PUBACKs. Confined to its event loop, except {@link #start}.
 */
final class JavaLoadRun {
    private static final long CONNECT_DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(15);
    private static final long DRAIN_NANOS = TimeUnit.SECONDS.toNanos(15);

    private final LoadGenerator.Spec spec;
    private final BooleanSupplier stop;
    private final EventLoop loop;
    private final String clientPrefix;
    private final Conn[] conns;
    private final double perConnPerNano;
    private final Histogram latencyMicros = new Histogram(TimeUnit.HOURS.toMicros(1), 3);
    private final AtomicLong ackCounter;
    private final CompletableFuture<LoadResult> done = new CompletableFuture<>();
    private int phase = -1; // -1 connecting, 0 sending, 1 waiting for the last PUBACKs
    private int settled;
    private long t0;
    private long tw;
    private long tend;
    private long measuredAcked;
    private ScheduledFuture<?> ticker;

    JavaLoadRun(LoadGenerator.Spec spec, BooleanSupplier stop, EventLoop loop, String clientPrefix, AtomicLong acked) {
        this.ackCounter = acked;
        this.spec = spec;
        this.stop = stop;
        this.loop = loop;
        this.clientPrefix = clientPrefix;
        this.conns = new Conn[spec.conns()];
        this.perConnPerNano = spec.rate() > 0 ? spec.rate() / spec.conns() / 1e9 : 0;
    }

    CompletableFuture<LoadResult> start() {
        loop.execute(this::connectAll);
        return done;
    }

    private void connectAll() {
        Bootstrap bootstrap = new Bootstrap()
                .group(loop)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000);
        for (int i = 0; i < conns.length; i++) {
            Conn c = conns[i] = new Conn(i);
            bootstrap
                    .clone()
                    .handler(new MqttAckDecoder(c))
                    .connect("127.0.0.1", spec.port())
                    .addListener(f -> {
                        if (!f.isSuccess()) {
                            connectionLost(c);
                        }
                    });
        }
        loop.schedule(this::begin, CONNECT_DEADLINE_NANOS, TimeUnit.NANOSECONDS);
    }

    private void settle(Conn c) {
        if (!c.settled) {
            c.settled = true;
            if (++settled == conns.length) {
                begin();
            }
        }
    }

    private void begin() {
        if (phase != -1) {
            return;
        }
        phase = 0;
        t0 = System.nanoTime();
        tw = t0 + (long) (spec.warmupSeconds() * 1e9);
        tend = tw + (long) (spec.durationSeconds() * 1e9);
        ticker = loop.scheduleAtFixedRate(this::tick, 0, 1, TimeUnit.MILLISECONDS);
    }

    private void tick() {
        long t = System.nanoTime();
        if (phase == 0 && (t >= tend || stop.getAsBoolean() || allDead())) {
            phase = 1;
            tend = Math.min(tend, t);
        }
        if (phase == 1) {
            if (Arrays.stream(conns).allMatch(c -> c.dead || c.inflight == 0) || t > tend + DRAIN_NANOS) {
                finish();
            }
            return;
        }
        for (Conn c : conns) {
            fill(c, t);
        }
    }

    private boolean allDead() {
        for (Conn c : conns) {
            if (!c.dead) {
                return false;
            }
        }
        return true;
    }

    private void fill(Conn c, long t) {
        if (phase != 0 || c.dead || !c.ready || !c.channel.isWritable()) {
            return;
        }
        long allowed = perConnPerNano > 0 ? (long) ((t - t0) * perConnPerNano) + 1 : Long.MAX_VALUE;
        int n = 0;
        while (c.sent < allowed && c.inflight < spec.window()) {
            int id = c.nextId;
            c.nextId = id == 65535 ? 1 : id + 1;
            c.sentAt[id] = t;
            c.inflight++;
            c.sent++;
            ByteBuf buf = c.channel.alloc().directBuffer(c.publish.length);
            buf.writeBytes(c.publish).setShort(c.idOffset, id);
            c.channel.write(buf, c.channel.voidPromise());
            n++;
        }
        if (n > 0) {
            c.channel.flush();
        }
    }

    private void onPuback(Conn c, int id) {
        long now = System.nanoTime();
        long sent = c.sentAt[id];
        c.inflight = Math.max(0, c.inflight - 1);
        c.acked++;
        ackCounter.incrementAndGet();
        if (sent >= tw && sent < tend) {
            latencyMicros.recordValue(Math.min(latencyMicros.getHighestTrackableValue(), (now - sent) / 1000));
            measuredAcked++;
        }
        fill(c, now);
    }

    private void connectionLost(Conn c) {
        if (!c.dead && phase >= 0 && !done.isDone()) {
            System.err.printf("java load generator: connection %d closed by the broker%n", c.index);
        }
        c.dead = true;
        c.inflight = 0;
        settle(c);
    }

    private void finish() {
        if (done.isDone()) {
            return;
        }
        ticker.cancel(false);
        long sent = 0;
        long acked = 0;
        long unacked = 0;
        int dead = 0;
        for (Conn c : conns) {
            sent += c.sent;
            acked += c.acked;
            unacked += c.inflight;
            dead += c.dead ? 1 : 0;
            if (c.channel != null) {
                c.channel.close();
            }
        }
        double seconds = Math.max(1e-9, (tend - tw) / 1e9);
        done.complete(new LoadResult(
                "java",
                spec.rate(),
                seconds,
                measuredAcked,
                measuredAcked / seconds,
                ms(50),
                ms(99),
                ms(99.9),
                ms(100),
                sent,
                acked,
                dead,
                unacked));
    }

    private double ms(double percentile) {
        return latencyMicros.getTotalCount() == 0 ? 0 : latencyMicros.getValueAtPercentile(percentile) / 1000.0;
    }

    /** One connection's state; {@code publish} is its PUBLISH packet with the packet id at {@code idOffset}. */
    private final class Conn implements MqttAckDecoder.Listener {
        final int index;
        final byte[] publish;
        final int idOffset;
        final long[] sentAt = new long[65536];
        Channel channel;
        boolean ready;
        boolean dead;
        boolean settled;
        int nextId = 1;
        int inflight;
        long sent;
        long acked;

        Conn(int index) {
            this.index = index;
            byte[] topic = String.format(Locale.ROOT, "tributary/g%d/d%d/temp", index % 4, index)
                    .getBytes(StandardCharsets.UTF_8);
            MqttBytes packet = new MqttBytes(0x32, 2 + topic.length + 2 + spec.payloadBytes());
            packet.string(topic);
            idOffset = packet.position();
            packet.u16(0);
            packet.fill((byte) 'p', spec.payloadBytes());
            publish = packet.bytes();
        }

        @Override
        public void active(Channel ch) {
            channel = ch;
            byte[] connect = MqttBytes.connect(clientPrefix + "-" + index, 60);
            ch.writeAndFlush(ch.alloc().buffer(connect.length).writeBytes(connect));
        }

        @Override
        public void connack(int returnCode) {
            ready = returnCode == 0;
            if (!ready) {
                channel.close();
            }
            settle(this);
        }

        @Override
        public void puback(int packetId) {
            onPuback(this, packetId);
        }

        @Override
        public void inactive() {
            connectionLost(this);
        }

        @Override
        public void writable() {
            fill(this, System.nanoTime());
        }
    }
}
