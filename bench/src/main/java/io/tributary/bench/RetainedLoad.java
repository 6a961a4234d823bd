package io.tributary.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Publishes {@code count} retained QoS 1 messages, one per topic {@code local/r/<i>}, from a few raw MQTT connections
 * on one event loop, each with at most {@code window} unacknowledged; ends when every one is acknowledged, a
 * connection is lost, or the deadline passes, and returns how many were acknowledged. Confined to its event loop,
 * except {@link #publish}.
 */
final class RetainedLoad {
    /** What the topic of retained message {@code i} starts with, before {@code i}. */
    static final String TOPIC_PREFIX = "local/r/";

    /** The topic of retained message {@code i}. */
    static String topic(int i) {
        return TOPIC_PREFIX + i;
    }

    private final int count;
    private final int window;
    private final int payloadBytes;
    private final EventLoop loop;
    private final CompletableFuture<Long> done = new CompletableFuture<>();
    private int next;
    private long acked;

    private RetainedLoad(int count, int window, int payloadBytes, EventLoop loop) {
        this.count = count;
        this.window = window;
        this.payloadBytes = payloadBytes;
        this.loop = loop;
    }

    /**
     * Publishes them to 127.0.0.1:{@code port} from {@code conns} connections.
     *
     * @return the number acknowledged within {@code timeoutSeconds}
     * @throws IOException when a connection failed before all were acknowledged
     */
    static long publish(int port, int count, int conns, int window, int payloadBytes, double timeoutSeconds)
            throws IOException, InterruptedException {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        RetainedLoad load = new RetainedLoad(count, window, payloadBytes, group.next());
        String prefix = "retained-" + ProcessHandle.current().pid() + "-";
        try {
            load.loop.execute(() -> {
                Bootstrap b = new Bootstrap()
                        .group(load.loop)
                        .channel(NioSocketChannel.class)
                        .option(ChannelOption.TCP_NODELAY, true);
                for (int i = 0; i < conns; i++) {
                    b.clone()
                            .handler(new MqttAckDecoder(load.new Conn(prefix + i)))
                            .connect("127.0.0.1", port)
                            .addListener(f -> {
                                if (!f.isSuccess()) {
                                    load.done.completeExceptionally(
                                            new IOException("retained publisher: " + f.cause(), f.cause()));
                                }
                            });
                }
            });
            long timeout = (long) (timeoutSeconds * 1000);
            load.loop.schedule(() -> load.done.complete(load.acked), timeout, TimeUnit.MILLISECONDS);
            return load.done.get(timeout + 10_000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IOException(e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IOException("retained publishes did not end within " + timeoutSeconds + " s");
        } finally {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS);
        }
    }

    /** One publishing connection. */
    private final class Conn implements MqttAckDecoder.Listener {
        private final String clientId;
        private Channel channel;
        private int inflight;
        private int nextId = 1;

        Conn(String clientId) {
            this.clientId = clientId;
        }

        @Override
        public void active(Channel ch) {
            channel = ch;
            byte[] connect = MqttBytes.connect(clientId, 0);
            ch.writeAndFlush(ch.alloc().buffer(connect.length).writeBytes(connect));
        }

        @Override
        public void connack(int returnCode) {
            if (returnCode != 0) {
                done.completeExceptionally(new IOException("retained publisher: CONNACK return code " + returnCode));
                return;
            }
            fill();
        }

        @Override
        public void puback(int packetId) {
            inflight--;
            if (++acked == count) {
                done.complete(acked);
            }
            fill();
        }

        private void fill() {
            boolean wrote = false;
            while (inflight < window && next < count && channel.isWritable()) {
                byte[] p = MqttBytes.retainedPublish(topic(next++), nextId, payloadBytes);
                nextId = nextId == 65535 ? 1 : nextId + 1;
                inflight++;
                ByteBuf buf = channel.alloc().buffer(p.length).writeBytes(p);
                channel.write(buf, channel.voidPromise());
                wrote = true;
            }
            if (wrote) {
                channel.flush();
            }
        }

        @Override
        public void inactive() {
            if (!done.isDone()) {
                done.completeExceptionally(
                        new IOException("retained publisher: connection closed after " + acked + " acknowledged"));
            }
        }

        @Override
        public void writable() {
            fill();
        }
    }
}
