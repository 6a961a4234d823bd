package io.tributary.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The end-to-end latency probe of {@code bench pubsub}: the C generator's payloads carry no send time, so beside its
 * load one connection from this JVM publishes a probe every 10 ms to the same topic tree, its payload {@code
 * L<System.nanoTime()>;} padded to the load's size; the subscribers, in this JVM too (the same clock), record the
 * time each took ({@link DeliveryLedger}) and do not count probes as deliveries. PUBACKs are not awaited: at 100/s the
 * probe never needs a window. Thread-safe: confined to its own event loop.
 */
final class LatencyProbe implements AutoCloseable {
    /** The first byte of a probe's payload. */
    static final byte MARK = 'L';

    private static final long PERIOD_MICROS = 10_000;

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final EventLoop loop = group.next();
    private final String topic;
    private final int qos;
    private final int payloadBytes;
    private Channel channel;
    private ScheduledFuture<?> ticker;
    private int nextId = 1;

    private LatencyProbe(String topic, int qos, int payloadBytes) {
        this.topic = topic;
        this.qos = qos;
        this.payloadBytes = Math.max(payloadBytes, 24);
    }

    /** Connects to 127.0.0.1:{@code port} and starts publishing probes to {@code topic} at {@code qos}. */
    static LatencyProbe start(int port, String topic, int qos, int payloadBytes)
            throws IOException, InterruptedException {
        LatencyProbe probe = new LatencyProbe(topic, qos, payloadBytes);
        byte[] connect = MqttBytes.connect("probe-" + ProcessHandle.current().pid() + "-" + System.nanoTime(), 0);
        ChannelFuture connected = new Bootstrap()
                .group(probe.loop)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new MqttAckDecoder(new Acks()))
                .connect("127.0.0.1", port);
        if (!connected.await(10, TimeUnit.SECONDS) || !connected.isSuccess()) {
            probe.close();
            throw new IOException("latency probe: could not connect: " + connected.cause());
        }
        Channel ch = connected.channel();
        try {
            probe.loop
                    .submit(() -> {
                        probe.channel = ch;
                        ch.writeAndFlush(ch.alloc().buffer(connect.length).writeBytes(connect));
                        probe.ticker = probe.loop.scheduleAtFixedRate(
                                probe::publish, PERIOD_MICROS, PERIOD_MICROS, TimeUnit.MICROSECONDS);
                    })
                    .get(10, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            probe.close();
            throw new IOException("latency probe: " + e, e);
        }
        return probe;
    }

    private void publish() {
        if (!channel.isActive() || !channel.isWritable()) {
            return;
        }
        byte[] payload = new byte[payloadBytes];
        Arrays.fill(payload, (byte) 'p');
        byte[] stamp = String.format(Locale.ROOT, "L%d;", System.nanoTime()).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(stamp, 0, payload, 0, Math.min(stamp.length, payload.length));
        byte[] t = topic.getBytes(StandardCharsets.UTF_8);
        MqttBytes p = new MqttBytes(0x30 | (qos << 1), 2 + t.length + (qos > 0 ? 2 : 0) + payload.length);
        p.string(t);
        if (qos > 0) {
            p.u16(nextId);
            nextId = nextId == 65535 ? 1 : nextId + 1;
        }
        p.append(payload);
        byte[] packet = p.bytes();
        ByteBuf buf = channel.alloc().buffer(packet.length).writeBytes(packet);
        channel.writeAndFlush(buf, channel.voidPromise());
    }

    /** Stops publishing and closes the connection (bounded; an interrupt ends the wait and is kept). */
    @Override
    public void close() {
        try {
            loop.submit(() -> {
                        if (ticker != null) {
                            ticker.cancel(false);
                        }
                        if (channel != null) {
                            channel.close();
                        }
                    })
                    .await(10, TimeUnit.SECONDS);
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The probe's connection hears CONNACK and PUBACKs, and needs neither. */
    private static final class Acks implements MqttAckDecoder.Listener {
        @Override
        public void active(Channel channel) {}

        @Override
        public void connack(int returnCode) {}

        @Override
        public void puback(int packetId) {}

        @Override
        public void inactive() {}

        @Override
        public void writable() {}
    }
}
