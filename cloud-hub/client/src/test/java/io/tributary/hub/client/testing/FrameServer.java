package io.tributary.hub.client.testing;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.tributary.hub.client.core.HubEndpoint;
import io.tributary.protocol.frame.FrameCodec;
import io.tributary.protocol.frame.FrameLimits;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * A server on 127.0.0.1 (a free port) speaking the frame protocol, for hub stand-ins: each accepted connection gets
 * the frame codec and a new handler, unless {@code refuse} says to close it at once.
 *
 * <p>Thread rules: any thread; the server runs on its own event loop.
 */
public final class FrameServer implements AutoCloseable {
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final ChannelGroup children = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final Channel server;

    public FrameServer(BooleanSupplier refuse, Supplier<ChannelHandler> handlers) throws InterruptedException {
        server = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (refuse.getAsBoolean()) {
                            ch.close();
                            return;
                        }
                        children.add(ch);
                        FrameCodec.install(ch.pipeline(), FrameLimits.defaults());
                        ch.pipeline().addLast(handlers.get());
                    }
                })
                .bind("127.0.0.1", 0)
                .sync()
                .channel();
    }

    public HubEndpoint endpoint() {
        return new HubEndpoint("127.0.0.1", ((InetSocketAddress) server.localAddress()).getPort());
    }

    /** Closes every connection (the server stays up). */
    public void dropConnections() {
        children.close().awaitUninterruptibly();
    }

    @Override
    public void close() {
        server.close().awaitUninterruptibly();
        children.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }
}
