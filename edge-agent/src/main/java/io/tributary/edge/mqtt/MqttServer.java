package io.tributary.edge.mqtt;

import io.micrometer.core.instrument.MeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.tributary.edge.mqtt.auth.AccessConfig;
import io.tributary.edge.mqtt.session.SessionStore;
import io.tributary.edge.state.WriteHealth;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The edge agent's MQTT 3.1.1/5 endpoint: a plain TCP and/or a TLS listener whose connections hand every PUBLISH to
 * a forwarded topic ({@link MqttServerConfig#forward()}) to a {@link PublishSink}, acknowledging QoS 1/2 only once
 * the sink reports it durable, and serve local subscribers (SUBSCRIBE, retained messages; other topics stay on the
 * edge). Uses epoll when the native transport is available, NIO otherwise.
 *
 * <p>Lifecycle: construct, {@link #start()} once, {@link #close()} once. {@code start} and {@code close} may be
 * called from any one thread (not an event loop); the accessors are thread-safe after {@code start} returns.
 */
public final class MqttServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(MqttServer.class);

    private final MqttServerConfig config;
    private final ServerContext context;
    private final DurableRetainedMessages durableRetained;
    private final ServerAccess access;
    private final SessionStore sessionStore;
    private final List<Channel> listeners = new ArrayList<>();
    private EventLoopGroup bossGroup;
    private EventLoopGroup workerGroup;
    private volatile InetSocketAddress plainAddress;
    private volatile InetSocketAddress tlsAddress;

    /**
     * A server; with a {@link MqttServerConfig#stateDirectory()} it opens its durable state there (rebuilding what a
     * crash left behind, see {@link DurableRetainedMessages} and {@link SessionStore}).
     *
     * @throws IOException when the state directory cannot be read or written
     */
    public MqttServer(MqttServerConfig config, Authenticator authenticator, PublishSink sink, MeterRegistry registry)
            throws IOException {
        this(config, authenticator, sink, registry, Clock.systemUTC());
    }

    /** As above with the clock used for {@link InboundPublish#receiveTimeMs()}. */
    public MqttServer(
            MqttServerConfig config, Authenticator authenticator, PublishSink sink, MeterRegistry registry, Clock clock)
            throws IOException {
        this(config, AccessConfig.passwordsOnly(authenticator::authenticate), sink, registry, clock);
    }

    /**
     * A server whose clients are identified, authorised and limited by {@code access} (passwords, ACL, certificate
     * identity, limits).
     *
     * @throws IOException when the state directory cannot be read or written
     */
    public MqttServer(
            MqttServerConfig config, AccessConfig access, PublishSink sink, MeterRegistry registry, Clock clock)
            throws IOException {
        this.config = config;
        MqttMetrics metrics = new MqttMetrics(registry);
        this.access = ServerAccess.create(access, new AccessMetrics(registry));
        this.durableRetained = config.stateDirectory().isPresent()
                ? DurableRetainedMessages.open(config.stateDirectory().get(), config.retainedCompactBytes(), metrics)
                : null;
        try {
            this.sessionStore = config.stateDirectory().isPresent()
                    ? SessionStore.open(
                            config.stateDirectory().get(),
                            config.sessionLimits().compactBytes(),
                            registry)
                    : null;
        } catch (IOException | RuntimeException e) {
            if (durableRetained != null) {
                durableRetained.close();
            }
            throw e;
        }
        this.context = ServerContext.create(
                config,
                sink,
                metrics,
                clock,
                durableRetained != null ? durableRetained : new InMemoryRetainedMessages(),
                this.access,
                sessionStore);
        metrics.brokerGauges(context.broker()::subscriptions, context.broker()::retainedMessages);
    }

    /**
     * Binds the configured listeners.
     *
     * @throws IOException when a port cannot be bound or the TLS key store cannot be read
     */
    public synchronized void start() throws IOException, InterruptedException {
        if (bossGroup != null) {
            throw new IllegalStateException("already started");
        }
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends ServerChannel> channelType =
                epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        bossGroup = new MultiThreadIoEventLoopGroup(1, io);
        workerGroup = new MultiThreadIoEventLoopGroup(config.ioThreads(), io);
        try {
            context.persistentSessions().restore(context.sessions(), context.broker(), workerGroup.next());
            if (config.port() >= 0) {
                plainAddress = bind(channelType, config.port(), Optional.empty());
            }
            if (config.tlsPort() >= 0) {
                SslContext ssl = sslContext(config.tls().orElseThrow());
                tlsAddress = bind(channelType, config.tlsPort(), Optional.of(ssl));
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
        log.info(
                "MQTT endpoint listening: plain={} tls={} ({}, topics {}, forwarded {}, others local)",
                plainAddress,
                tlsAddress,
                epoll ? "epoll" : "nio",
                config.topicMapping().template(),
                config.forward());
        AccessConfig a = access.config();
        log.info(
                "MQTT access: {}; limits {}; TLS client certificates {}",
                a.acl()
                        .map(acl -> "ACL of " + acl.summary() + ", default deny")
                        .orElse("no ACL file, every client may publish and subscribe to every topic"),
                a.limits(),
                config.tls().flatMap(TlsConfig::clientCa).isPresent()
                        ? "required, identity from the " + a.certificateIdentity()
                        : "not asked for");
    }

    private InetSocketAddress bind(Class<? extends ServerChannel> type, int port, Optional<SslContext> ssl)
            throws IOException, InterruptedException {
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(bossGroup, workerGroup)
                .channel(type)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new MqttServerInitializer(context, ssl));
        try {
            Channel channel = bootstrap.bind(config.host(), port).sync().channel();
            listeners.add(channel);
            return (InetSocketAddress) channel.localAddress();
        } catch (Exception e) {
            if (e instanceof InterruptedException ie) {
                throw ie;
            }
            throw new IOException("cannot bind MQTT listener on " + config.host() + ":" + port, e);
        }
    }

    static SslContext sslContext(TlsConfig tls) throws IOException {
        try (InputStream in = Files.newInputStream(tls.keyStore())) {
            KeyStore keyStore = KeyStore.getInstance(tls.type());
            keyStore.load(in, tls.password().toCharArray());
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keyStore, tls.password().toCharArray());
            SslContextBuilder builder = SslContextBuilder.forServer(kmf);
            if (tls.clientCa().isPresent()) {
                // mTLS: the handshake fails without a certificate signed by one of these; its name is the identity
                builder.trustManager(tls.clientCa().get().toFile()).clientAuth(ClientAuth.REQUIRE);
            }
            return builder.build();
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot load TLS key store " + tls.keyStore() + ": " + e.getMessage(), e);
        }
    }

    /** The bound plain TCP address; empty before {@link #start()} or when disabled. */
    public Optional<InetSocketAddress> plainAddress() {
        return Optional.ofNullable(plainAddress);
    }

    /** The bound TLS address; empty before {@link #start()} or when disabled. */
    public Optional<InetSocketAddress> tlsAddress() {
        return Optional.ofNullable(tlsAddress);
    }

    /** The MQTT clients connected now, in no order (a snapshot; any thread). */
    public List<MqttClientInfo> clients() {
        return context.sessions().connected();
    }

    /**
     * The sessions held now, connected or persistent and detached, sorted by client id: a snapshot of each, taken
     * one after the other (any thread; takes each session's lock briefly, never waits on I/O).
     */
    public List<SessionInfo> sessions() {
        return SessionSnapshots.all(context.sessions());
    }

    /** The session of {@code clientId}, connected or not, as in {@link #sessions()}. */
    public Optional<SessionInfo> session(String clientId) {
        return SessionSnapshots.one(context.sessions(), clientId);
    }

    /**
     * The live retained messages whose topics match {@code filter} ({@code #} for all but {@code $} topics), in no
     * order; a snapshot read from the store (any thread, not an event loop: a durable store reads its file).
     */
    public List<RetainedInfo> retained(String filter) {
        return context.broker().retained(filter, context.clock().millis()).stream()
                .map(m -> new RetainedInfo(m.topic(), m.qos(), m.payload(), m.expiresAtMillis()))
                .toList();
    }

    /** Whether the durable state stores (retained messages, sessions) can write; empty without a state directory. */
    public List<WriteHealth> stateHealth() {
        List<WriteHealth> health = new ArrayList<>();
        if (durableRetained != null) {
            health.add(durableRetained.health());
        }
        if (sessionStore != null) {
            health.add(sessionStore.health());
        }
        return health;
    }

    /** The endpoint's meters, e.g. for health output. */
    public MqttMetrics metrics() {
        return context.metrics();
    }

    /**
     * Stops accepting, closes every connection and releases the event loops (waits at most a few seconds), then
     * closes the durable state, marking it clean.
     */
    @Override
    public synchronized void close() {
        listeners.forEach(Channel::close);
        listeners.clear();
        if (workerGroup != null) {
            workerGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
            bossGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
            workerGroup = null;
        }
        access.close();
        context.broker().close();
        if (durableRetained != null) {
            try {
                durableRetained.close();
            } catch (IOException e) {
                log.warn("Cannot close the retained-message store cleanly (rebuilt at next start)", e);
            }
        }
        if (sessionStore != null) {
            try {
                sessionStore.close();
            } catch (IOException e) {
                log.warn("Cannot close the session store cleanly (its view is rebuilt at next start)", e);
            }
        }
    }
}
