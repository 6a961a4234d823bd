package io.tributary.hub.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.tributary.hub.config.HubConfig;
import io.tributary.protocol.v1.Frame;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hub's listener for every protocol (link, consumer, admin): plain TCP or TLS (optionally requiring client
 * certificates), epoll when available. Thread-safe start/stop.
 *
 * <p>{@link #close} closes every accepted connection itself, while the event loops still run, before it shuts them
 * down. Shutting down the group alone does not always close them: an event loop closes its channels only when it sees
 * the shutdown right after polling for I/O, and with no quiet period a shutdown that arrives while the loop runs its
 * tasks (a busy hub completing appends) ends the loop without that step. The sockets then stay open with nobody
 * reading them, and a client (an edge agent) keeps sending to a stopped hub without ever seeing a close.
 */
public final class HubServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HubServer.class);
    private static final long CLOSE_WAIT_SECONDS = 5;

    private final EventLoopGroup group;
    private final Channel channel;
    private final ChannelGroup connections;

    private HubServer(EventLoopGroup group, Channel channel, ChannelGroup connections) {
        this.group = group;
        this.channel = channel;
        this.connections = connections;
    }

    /** Binds and starts serving; the services handle frames by body. */
    public static HubServer start(HubContext hub, Map<Frame.BodyCase, FrameService> services)
            throws InterruptedException, SSLException {
        HubConfig config = hub.config();
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends ServerChannel> type = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        EventLoopGroup group =
                new MultiThreadIoEventLoopGroup(config.ioThreads(), new DefaultThreadFactory("hub-io"), io);
        ChannelGroup connections = new DefaultChannelGroup("hub-connections", GlobalEventExecutor.INSTANCE);
        try {
            ServerBootstrap b = new ServerBootstrap()
                    .group(group)
                    .channel(type)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(1 << 20, 4 << 20))
                    .childHandler(new HubServerInitializer(hub, sslContext(config), services, connections));
            Channel ch = b.bind(config.host(), config.port()).sync().channel();
            log.info(
                    "hub {} listening on {}:{} ({}{}, {})",
                    config.hubId(),
                    config.host(),
                    ((InetSocketAddress) ch.localAddress()).getPort(),
                    config.tlsEnabled() ? "TLS" : "plain TCP",
                    config.tlsClientCa().isPresent() ? " with client certificates" : "",
                    epoll ? "epoll" : "nio");
            return new HubServer(group, ch, connections);
        } catch (InterruptedException | SSLException | RuntimeException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    private static Optional<SslContext> sslContext(HubConfig config) throws SSLException {
        if (!config.tlsEnabled()) {
            return Optional.empty();
        }
        SslContextBuilder b = SslContextBuilder.forServer(
                config.tlsCert().orElseThrow().toFile(),
                config.tlsKey().orElseThrow().toFile());
        if (config.tlsClientCa().isPresent()) {
            b.trustManager(config.tlsClientCa().get().toFile()).clientAuth(ClientAuth.REQUIRE);
        }
        return Optional.of(b.build());
    }

    /**
     * Completes once every event loop has run what was queued on it before this call, so that whatever a task decided
     * before then (ingest's home check) it has also acted on (submitted its append). Never wait for it on an event
     * loop.
     */
    public java.util.concurrent.CompletableFuture<Void> quiesce() {
        java.util.List<java.util.concurrent.CompletableFuture<Void>> all = new java.util.ArrayList<>();
        for (io.netty.util.concurrent.EventExecutor loop : group) {
            java.util.concurrent.CompletableFuture<Void> f = new java.util.concurrent.CompletableFuture<>();
            loop.execute(() -> f.complete(null));
            all.add(f);
        }
        return java.util.concurrent.CompletableFuture.allOf(all.toArray(java.util.concurrent.CompletableFuture[]::new));
    }

    public int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    /** Stops accepting, closes every connection, then stops the event loops. */
    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        if (!connections.close().awaitUninterruptibly(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS)) {
            log.warn("{} connections did not close in {} s", connections.size(), CLOSE_WAIT_SECONDS);
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
