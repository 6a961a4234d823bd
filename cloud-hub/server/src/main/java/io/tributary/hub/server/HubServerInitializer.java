package io.tributary.hub.server;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleStateHandler;
import io.tributary.protocol.frame.FrameCodec;
import io.tributary.protocol.frame.FrameLimits;
import io.tributary.protocol.v1.Frame;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Builds each hub connection's pipeline: {@code tls?, idle, frameEncoder, frameDecoder, session}, and adds the
 * connection to the server's group of open connections (it leaves the group when it closes).
 */
final class HubServerInitializer extends ChannelInitializer<SocketChannel> {
    private final HubContext hub;
    private final Optional<SslContext> ssl;
    private final Map<Frame.BodyCase, FrameService> services;
    private final FrameLimits limits;
    private final ChannelGroup connections;

    HubServerInitializer(
            HubContext hub,
            Optional<SslContext> ssl,
            Map<Frame.BodyCase, FrameService> services,
            ChannelGroup connections) {
        this.hub = hub;
        this.ssl = ssl;
        this.services = services;
        this.limits = new FrameLimits(hub.config().maxFrameBytes());
        this.connections = connections;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        connections.add(ch);
        ssl.ifPresent(s -> ch.pipeline().addLast("tls", s.newHandler(ch.alloc())));
        long idleMs = hub.config().idleTimeout().toMillis();
        if (idleMs > 0) {
            ch.pipeline().addLast("idle", new IdleStateHandler(idleMs, 0, 0, TimeUnit.MILLISECONDS));
        }
        // SessionHandler logs decode failures, within the rate limit of what peers can cause
        FrameCodec.install(ch.pipeline(), limits, false);
        ch.pipeline().addLast("session", new SessionHandler(hub, services));
    }
}
