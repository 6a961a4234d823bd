package io.tributary.hub.client.internal;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.tributary.hub.client.core.ClientOptions;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.hub.client.core.FencedException;
import io.tributary.hub.client.core.HubClientException;
import io.tributary.hub.client.core.HubEndpoint;
import io.tributary.protocol.ProtocolVersion;
import io.tributary.protocol.frame.FrameCodec;
import io.tributary.protocol.frame.FrameDecodeFailure;
import io.tributary.protocol.frame.FrameLimits;
import io.tributary.protocol.v1.ConnectionError;
import io.tributary.protocol.v1.ErrorCode;
import io.tributary.protocol.v1.Frame;
import io.tributary.protocol.v1.Hello;
import io.tributary.protocol.v1.PeerRole;
import io.tributary.protocol.v1.UserPassword;
import io.tributary.protocol.v1.Welcome;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * One connection to a hub: TCP (optionally TLS), then {@code Hello}/{@code Welcome}. After the handshake every
 * inbound frame goes to the {@link FrameListener}. Keepalive and half-open detection live here: after
 * {@link ClientOptions#keepAlive()} without sending, a {@code Ping} goes out; after three intervals without hearing
 * anything, the connection is closed as dead. It never reconnects: {@link io.tributary.hub.client.spi.HubSession} does.
 *
 * <p>Internal: not part of the client's API; it may change in any release. Clients and agents use
 * {@link io.tributary.hub.client.spi.HubSession} (or the public clients built on it).
 *
 * <p>Thread rules: {@link #send} may be called from any thread; listener callbacks run on {@link #eventLoop()}.
 */
public final class HubConnection implements AutoCloseable {
    private final Channel channel;
    private final HubEndpoint endpoint;
    private volatile Welcome welcome = Welcome.getDefaultInstance();
    private volatile boolean fenced;

    private HubConnection(Channel channel, HubEndpoint endpoint) {
        this.channel = channel;
        this.endpoint = endpoint;
    }

    /**
     * Connects and completes after the hub's {@code Welcome}; fails with a {@link HubClientException} when the hub
     * cannot be reached or refuses the hello.
     */
    public static CompletableFuture<HubConnection> connect(
            ClientResources resources,
            HubEndpoint endpoint,
            ClientOptions options,
            PeerRole role,
            String agentId,
            long agentEpoch,
            FrameListener listener) {
        return connect(resources, resources.group().next(), endpoint, options, role, agentId, agentEpoch, listener);
    }

    /**
     * Like {@link #connect(ClientResources, HubEndpoint, ClientOptions, PeerRole, String, long, FrameListener)}, with
     * the channel on {@code loop}: the listener is called on {@code loop}, so a caller that keeps its state on that
     * loop may touch it from the listener without a hand-off.
     */
    public static CompletableFuture<HubConnection> connect(
            ClientResources resources,
            EventLoop loop,
            HubEndpoint endpoint,
            ClientOptions options,
            PeerRole role,
            String agentId,
            long agentEpoch,
            FrameListener listener) {
        return connect(resources, loop, endpoint, options, role, agentId, agentEpoch, listener, null);
    }

    /**
     * Like {@link #connect(ClientResources, EventLoop, HubEndpoint, ClientOptions, PeerRole, String, long,
     * FrameListener)} with a TLS context built beforehand ({@link #sslContext}), so that a reconnect on an event loop
     * does not read key and certificate files there; null builds it now when {@code options} ask for TLS.
     */
    public static CompletableFuture<HubConnection> connect(
            ClientResources resources,
            EventLoop loop,
            HubEndpoint endpoint,
            ClientOptions options,
            PeerRole role,
            String agentId,
            long agentEpoch,
            FrameListener listener,
            SslContext tls) {
        CompletableFuture<HubConnection> result = new CompletableFuture<>();
        SslContext ssl;
        try {
            ssl = tls != null || !options.tls() ? tls : sslContext(options);
        } catch (SSLException | RuntimeException e) {
            result.completeExceptionally(new HubClientException("TLS setup failed: " + e.getMessage(), false, e));
            return result;
        }
        FrameLimits limits = new FrameLimits(options.maxFrameBytes());
        HubConnection[] holder = new HubConnection[1];
        Bootstrap bootstrap = new Bootstrap()
                .group(loop)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int)
                        options.connectTimeout().toMillis())
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (ssl != null) {
                            ch.pipeline().addLast("tls", ssl.newHandler(ch.alloc(), endpoint.host(), endpoint.port()));
                        }
                        long keepAliveMs = options.keepAlive().toMillis();
                        if (keepAliveMs > 0) {
                            ch.pipeline()
                                    .addLast(
                                            "keepAlive",
                                            new IdleStateHandler(
                                                    3 * keepAliveMs, keepAliveMs, 0, TimeUnit.MILLISECONDS));
                        }
                        FrameCodec.install(ch.pipeline(), limits);
                        ch.pipeline().addLast("client", new Handler(result, holder, listener, keepAliveMs));
                    }
                });
        ChannelFuture connect = bootstrap.connect(endpoint.host(), endpoint.port());
        connect.addListener(f -> {
            if (!f.isSuccess()) {
                result.completeExceptionally(new HubClientException(
                        "cannot connect to hub " + endpoint + ": " + f.cause().getMessage(), true, f.cause()));
                return;
            }
            HubConnection conn = new HubConnection(connect.channel(), endpoint);
            holder[0] = conn;
            conn.channel.writeAndFlush(Frame.newBuilder()
                    .setHello(hello(options, role, agentId, agentEpoch))
                    .build());
        });
        // A hub that accepts TCP but never answers must not hang the caller.
        loop.schedule(
                () -> {
                    if (!result.isDone()) {
                        result.completeExceptionally(new HubClientException(
                                "hub " + endpoint + " did not answer the handshake in " + options.connectTimeout(),
                                true));
                        connect.channel().close();
                    }
                },
                options.connectTimeout().toMillis(),
                java.util.concurrent.TimeUnit.MILLISECONDS);
        return result;
    }

    private static Hello hello(ClientOptions options, PeerRole role, String agentId, long agentEpoch) {
        Hello.Builder b = Hello.newBuilder()
                .setMinVersion(ProtocolVersion.MIN_SUPPORTED)
                .setMaxVersion(ProtocolVersion.CURRENT)
                .setRole(role)
                .setAgentId(agentId)
                .setAgentEpoch(agentEpoch)
                .setClientName(options.clientName());
        options.token().ifPresent(b::setToken);
        options.username()
                .ifPresent(u -> b.setUserPassword(UserPassword.newBuilder()
                        .setUsername(u)
                        .setPassword(options.password().orElse(""))));
        return b.build();
    }

    /** The client TLS context of {@code options} (reads the trust, certificate and key files: not on an event loop). */
    public static SslContext sslContext(ClientOptions options) throws SSLException {
        SslContextBuilder b = SslContextBuilder.forClient();
        options.trustCertificates().ifPresent(p -> b.trustManager(p.toFile()));
        if (options.clientCertificate().isPresent() && options.clientKey().isPresent()) {
            b.keyManager(
                    options.clientCertificate().get().toFile(),
                    options.clientKey().get().toFile());
        }
        return b.build();
    }

    /** Writes and flushes a frame; the future fails if the write does. */
    public CompletableFuture<Void> send(Frame frame) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        channel.writeAndFlush(frame).addListener(w -> {
            if (w.isSuccess()) {
                f.complete(null);
            } else {
                f.completeExceptionally(
                        new HubClientException("write to " + endpoint + " failed: " + w.cause(), true, w.cause()));
            }
        });
        return f;
    }

    /** Whether the socket buffer accepts more without queueing in memory. */
    public boolean isWritable() {
        return channel.isWritable();
    }

    public boolean isOpen() {
        return channel.isActive();
    }

    public EventLoop eventLoop() {
        return channel.eventLoop();
    }

    public Welcome welcome() {
        return welcome;
    }

    /** The epoch grant the hub gave this connection in its Welcome (0 for roles that get none). */
    public long grantedEpoch() {
        return welcome.getGrantedEpoch();
    }

    /** Whether the hub closed this connection because a newer instance of the same id holds a newer grant. */
    public boolean fenced() {
        return fenced;
    }

    public HubEndpoint endpoint() {
        return endpoint;
    }

    /** Sets whether Netty reads from the socket (backpressure from a slow consumer). */
    public void setAutoRead(boolean autoRead) {
        channel.config().setAutoRead(autoRead);
    }

    @Override
    public void close() {
        channel.close();
    }

    @Override
    public String toString() {
        return "HubConnection[" + endpoint + "]";
    }

    /** Handshake first, then hands frames to the listener. */
    private static final class Handler extends SimpleChannelInboundHandler<Frame> {
        private final CompletableFuture<HubConnection> result;
        private final HubConnection[] holder;
        private final FrameListener listener;
        private String closeReason = "connection closed by the hub";

        private final long keepAliveMs;

        Handler(
                CompletableFuture<HubConnection> result,
                HubConnection[] holder,
                FrameListener listener,
                long keepAliveMs) {
            this.result = result;
            this.holder = holder;
            this.listener = listener;
            this.keepAliveMs = keepAliveMs;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Frame frame) {
            HubConnection conn = holder[0];
            if (!result.isDone()) {
                switch (frame.getBodyCase()) {
                    case WELCOME -> {
                        conn.welcome = frame.getWelcome();
                        result.complete(conn);
                    }
                    case ERROR -> {
                        result.completeExceptionally(refusal(frame.getError()));
                        ctx.close();
                    }
                    default -> {
                        result.completeExceptionally(
                                new HubClientException("hub sent " + frame.getBodyCase() + " before Welcome", true));
                        ctx.close();
                    }
                }
                return;
            }
            if (frame.hasError()) {
                conn.fenced |= frame.getError().getCode() == ErrorCode.ERROR_CODE_FENCED;
                closeReason = "hub closed the connection: " + frame.getError().getCode() + " "
                        + frame.getError().getMessage();
            }
            listener.onFrame(conn, frame);
        }

        private static HubClientException refusal(ConnectionError error) {
            String message = "hub refused the connection: " + error.getMessage();
            return switch (error.getCode()) {
                case ERROR_CODE_FENCED -> new FencedException(message);
                case ERROR_CODE_UNAUTHENTICATED -> new HubClientException(message, false);
                default -> new HubClientException(message, true);
            };
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof FrameDecodeFailure f) {
                closeReason = "bad frame from the hub: " + f.message();
            } else if (evt instanceof IdleStateEvent idle) {
                if (idle.state() == IdleState.READER_IDLE) {
                    // Nothing heard, not even a Pong: the hub (or the path to it) is gone without a close.
                    closeReason = "hub silent for " + 3 * keepAliveMs + " ms";
                    ctx.close();
                } else if (idle.state() == IdleState.WRITER_IDLE && result.isDone()) {
                    ctx.writeAndFlush(Frame.newBuilder()
                            .setPing(io.tributary.protocol.v1.Ping.newBuilder()
                                    .setNonce(System.nanoTime())
                                    .setSendTimeNanos(System.nanoTime()))
                            .build());
                }
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (!result.isDone()) {
                result.completeExceptionally(new HubClientException(closeReason + " during the handshake", true));
            } else if (holder[0] != null) {
                listener.onClosed(holder[0], closeReason);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            closeReason = "connection error: " + cause.getMessage();
            ctx.close();
        }
    }
}
