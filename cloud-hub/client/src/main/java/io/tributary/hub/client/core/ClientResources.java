package io.tributary.hub.client.core;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * The I/O threads clients share. One thread suffices for most processes; pass one instance to every client of a
 * process and close it last. Thread-safe.
 */
public final class ClientResources implements AutoCloseable {
    private final EventLoopGroup group;

    public ClientResources(int ioThreads) {
        this.group = new MultiThreadIoEventLoopGroup(
                ioThreads, new DefaultThreadFactory("tributary-client-io", true), NioIoHandler.newFactory());
    }

    public static ClientResources create() {
        return new ClientResources(1);
    }

    public EventLoopGroup group() {
        return group;
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
