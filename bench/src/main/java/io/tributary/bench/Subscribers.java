package io.tributary.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;

/**
 * MQTT 3.1.1 subscriber connections of {@code bench pubsub}, the same for every broker, all on one Netty event loop of
 * their own: each connects (clean or persistent session), subscribes to one filter and hands every PUBLISH to a
 * {@link Sink} in place, without decoding it into objects; QoS 1 ones are answered with a PUBACK written into one
 * buffer per socket read and flushed at its end. {@link #open} returns once every SUBACK granted the subscription.
 * Thread-safe: the connections are confined to the loop; {@link #onLoop} reads the sink's state there.
 */
final class Subscribers implements AutoCloseable {

    /** Receives each PUBLISH on the event loop; the bytes are {@code in}'s, valid during the call only. */
    interface Sink {
        /** Whether the PUBLISH counts as a delivery in {@link #delivered} (a latency probe does not). */
        boolean publish(int subscriber, boolean retain, ByteBuf in, int topic, int topicLength, int payload, int end);
    }

    /** A sink that only counts. */
    static final Sink COUNT_ONLY = (s, r, in, t, tl, p, e) -> true;

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final EventLoop loop = group.next();
    private final List<Sub> subs = new ArrayList<>();
    private final AtomicLong delivered = new AtomicLong();
    private final Sink sink;
    private CountDownLatch subscribed;
    private volatile String failure;
    private volatile int lost;

    private Subscribers(Sink sink) {
        this.sink = sink;
    }

    /**
     * Opens {@code count} subscribers to 127.0.0.1:{@code port}: subscriber {@code i} connects as {@code clientId(i)}
     * and subscribes to {@code filter(i)} at {@code qos}.
     *
     * @throws IOException when one is refused or closed, or not all are subscribed within {@code timeout}
     */
    static Subscribers open(
            int port,
            int count,
            IntFunction<String> clientId,
            IntFunction<String> filter,
            int qos,
            boolean cleanSession,
            Sink sink,
            Duration timeout)
            throws IOException, InterruptedException {
        Subscribers s = new Subscribers(sink);
        s.subscribed = new CountDownLatch(count);
        Bootstrap bootstrap = new Bootstrap()
                .group(s.loop)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(timeout.toMillis(), 30_000));
        for (int i = 0; i < count; i++) {
            Sub sub = s
            .new Sub(
                    i,
                    MqttBytes.connect(clientId.apply(i), 0, cleanSession),
                    MqttBytes.subscribe(1, filter.apply(i), qos));
            s.subs.add(sub);
            bootstrap
                    .clone()
                    .handler(new MqttAckDecoder(sub))
                    .connect("127.0.0.1", port)
                    .addListener(f -> {
                        if (!f.isSuccess()) {
                            s.fail("subscriber " + sub.index + " could not connect: " + f.cause());
                        }
                    });
        }
        boolean all = s.subscribed.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        String why = s.failure != null ? s.failure : all ? null : "not all subscribed within " + timeout;
        if (why != null) {
            s.close();
            throw new IOException(why);
        }
        return s;
    }

    /** PUBLISH packets received so far that the sink counted, all subscribers together. */
    long delivered() {
        return delivered.get();
    }

    /** Subscribers whose connection closed after they had subscribed (none in a good run). */
    int lost() {
        return lost;
    }

    /** Runs {@code read} on the event loop, where the sink lives, and returns its result. */
    <T> T onLoop(Callable<T> read) throws IOException, InterruptedException {
        try {
            return loop.submit(read).get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException("reading the subscribers' state failed: " + e, e);
        }
    }

    private void fail(String why) {
        if (failure == null) {
            failure = why;
        }
        // Release open() at once: it reports the failure.
        while (subscribed.getCount() > 0) {
            subscribed.countDown();
        }
    }

    /**
     * Sends DISCONNECT on every connection (a persistent session stays), closes them, stops the loop (bounded; an
     * interrupt ends the wait and is kept).
     */
    @Override
    public void close() {
        try {
            disconnectAll();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void disconnectAll() throws InterruptedException {
        List<ChannelFuture> closing = new ArrayList<>();
        for (Sub sub : subs) {
            Channel ch = sub.channel;
            if (ch != null && ch.isActive()) {
                sub.closing = true;
                byte[] d = MqttBytes.disconnect();
                closing.add(ch.writeAndFlush(ch.alloc().buffer(d.length).writeBytes(d))
                        .addListener(ChannelFutureListener.CLOSE));
            }
        }
        for (ChannelFuture f : closing) {
            f.channel().closeFuture().await(5, TimeUnit.SECONDS);
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS);
    }

    /** One subscriber connection; its methods run on the loop. */
    private final class Sub implements MqttAckDecoder.Listener {
        final int index;
        final byte[] connect;
        final byte[] subscribe;
        volatile Channel channel; // set on the loop, read by close()
        ByteBuf acks;
        boolean ready;
        volatile boolean closing;

        Sub(int index, byte[] connect, byte[] subscribe) {
            this.index = index;
            this.connect = connect;
            this.subscribe = subscribe;
        }

        @Override
        public void active(Channel ch) {
            channel = ch;
            ch.writeAndFlush(ch.alloc().buffer(connect.length).writeBytes(connect));
        }

        @Override
        public void connack(int returnCode) {
            if (returnCode != 0) {
                fail("subscriber " + index + ": CONNACK return code " + returnCode);
                channel.close();
                return;
            }
            channel.writeAndFlush(channel.alloc().buffer(subscribe.length).writeBytes(subscribe));
        }

        @Override
        public void puback(int packetId) {
            // subscribers publish nothing
        }

        @Override
        public void packet(int firstByte, ByteBuf in, int body, int length) {
            int type = firstByte >> 4;
            if (type == 3) {
                publish(firstByte, in, body, length);
            } else if (type == 9 && length >= 3) {
                int granted = in.getUnsignedByte(body + 2);
                if (granted == 0x80) {
                    fail("subscriber " + index + ": SUBSCRIBE refused (SUBACK 0x80)");
                } else if (!ready) {
                    ready = true;
                    subscribed.countDown();
                }
            }
        }

        private void publish(int firstByte, ByteBuf in, int body, int length) {
            int qos = (firstByte >> 1) & 3;
            int topicLength = in.getUnsignedShort(body);
            int payload = body + 2 + topicLength + (qos > 0 ? 2 : 0);
            if (sink.publish(index, (firstByte & 1) != 0, in, body + 2, topicLength, payload, body + length)) {
                delivered.incrementAndGet();
            }
            if (qos > 0) {
                if (acks == null) {
                    acks = channel.alloc().buffer(1024);
                }
                // PUBACK (QoS 1; a QoS 2 message, never asked for here, would get PUBREC)
                acks.writeByte(qos == 1 ? 0x40 : 0x50).writeByte(2).writeShort(in.getUnsignedShort(payload - 2));
            }
        }

        @Override
        public void readComplete() {
            if (acks != null) {
                channel.writeAndFlush(acks, channel.voidPromise());
                acks = null;
            }
        }

        @Override
        public void inactive() {
            if (acks != null) {
                acks.release();
                acks = null;
            }
            if (!ready) {
                fail("subscriber " + index + ": connection closed before SUBACK");
            } else if (!closing) {
                lost++;
            }
        }

        @Override
        public void writable() {
            // PUBACKs are small; nothing waits for writability
        }
    }
}
