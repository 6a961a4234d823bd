package io.tributary.hub;

import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tributary.hub.admin.AdminService;
import io.tributary.hub.config.HubConfig;
import io.tributary.hub.console.HubConsole;
import io.tributary.hub.console.HubConsoleApi;
import io.tributary.hub.epoch.GrantTable;
import io.tributary.hub.group.CheckpointStore;
import io.tributary.hub.group.GroupCoordinator;
import io.tributary.hub.group.GroupStore;
import io.tributary.hub.health.HubHealth;
import io.tributary.hub.ingest.BatchIngest;
import io.tributary.hub.metrics.HubMetrics;
import io.tributary.hub.metrics.ShardGauges;
import io.tributary.hub.replication.Replicator;
import io.tributary.hub.server.FrameService;
import io.tributary.hub.server.HubAuthenticator;
import io.tributary.hub.server.HubContext;
import io.tributary.hub.server.HubServer;
import io.tributary.hub.server.ProducerRegistry;
import io.tributary.hub.store.ShardStore;
import io.tributary.hub.store.provider.ShardStoreProvider;
import io.tributary.hub.stream.RetentionScheduler;
import io.tributary.hub.stream.StreamCatalog;
import io.tributary.hub.stream.StreamRegistry;
import io.tributary.hub.subscribe.NotifyingShardStore;
import io.tributary.hub.subscribe.ReadService;
import io.tributary.hub.subscribe.ShardNotifier;
import io.tributary.hub.subscribe.ShardReads;
import io.tributary.hub.subscribe.SubscriptionService;
import io.tributary.protocol.fs.DirectoryLock;
import io.tributary.protocol.fs.DirectoryLockedException;
import io.tributary.protocol.metrics.MetricsHttpServer;
import io.tributary.protocol.v1.Frame;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running hub: stream registry, shard store (local, or another {@link ShardStoreProvider}), the protocol listener, metrics and health, and retention. Start
 * with {@link #start}, stop with {@link #close}. Thread-safe.
 */
public final class Hub implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Hub.class);
    /** In the data dir: held by the running hub, names it (pid, host, start time). */
    static final String LOCK_FILE = "hub.lock";

    private final HubConfig config;
    private final PrometheusMeterRegistry registry;
    private final ShardStore store;
    private final StreamRegistry streams;
    private final GrantTable grants;
    private final ExecutorService worker;
    private final ScheduledExecutorService scheduler;
    private final HubServer server;
    private final Optional<MetricsHttpServer> http;
    private final HubContext context;
    private final GroupCoordinator groups;
    private final GroupStore groupStore;
    private final CheckpointStore checkpoints;
    private final DirectoryLock dataDirLock;
    private final Replicator replicator;

    private Hub(
            HubConfig config,
            PrometheusMeterRegistry registry,
            ShardStore store,
            StreamRegistry streams,
            GrantTable grants,
            ExecutorService worker,
            ScheduledExecutorService scheduler,
            HubServer server,
            Optional<MetricsHttpServer> http,
            HubContext context,
            GroupCoordinator groups,
            GroupStore groupStore,
            CheckpointStore checkpoints,
            DirectoryLock dataDirLock,
            Replicator replicator) {
        this.config = config;
        this.registry = registry;
        this.store = store;
        this.streams = streams;
        this.grants = grants;
        this.worker = worker;
        this.scheduler = scheduler;
        this.server = server;
        this.http = http;
        this.context = context;
        this.groups = groups;
        this.groupStore = groupStore;
        this.checkpoints = checkpoints;
        this.dataDirLock = dataDirLock;
        this.replicator = replicator;
    }

    /**
     * Starts a hub on {@code config.dataDir()}, which it locks for its lifetime.
     *
     * @throws DirectoryLockedException when another hub (this process or another) uses the data dir
     */
    public static Hub start(HubConfig config) throws Exception {
        DirectoryLock lock;
        try {
            lock = DirectoryLock.acquire(config.dataDir(), LOCK_FILE, "hub data dir");
        } catch (DirectoryLockedException e) {
            log.error("hub {} cannot start: {}", config.hubId(), e.getMessage());
            throw e;
        }
        try {
            return startLocked(config, lock);
        } catch (Exception | Error e) {
            lock.close();
            throw e;
        }
    }

    private static Hub startLocked(HubConfig config, DirectoryLock lock) throws Exception {
        // What is started so far, closed in reverse when a later step fails: a hub that cannot start leaves no
        // threads, open files or listeners behind in the process that tried.
        Deque<AutoCloseable> started = new ArrayDeque<>();
        try {
            return startLocked(config, lock, started);
        } catch (Exception | Error e) {
            while (!started.isEmpty()) {
                try {
                    started.pop().close();
                } catch (Exception | Error closing) {
                    e.addSuppressed(closing);
                }
            }
            throw e;
        }
    }

    private static Hub startLocked(HubConfig config, DirectoryLock lock, Deque<AutoCloseable> started)
            throws Exception {
        Clock clock = Clock.systemUTC();
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().commonTags("hub", config.hubId());
        new ProcessorMetrics().bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        HubAuthenticator auth = HubAuthenticator.load(config.tokensFile(), config.credentialsFile());
        if (!auth.enabled()) {
            log.warn("no tokens-file or credentials-file configured: every peer is accepted without authentication");
        }
        ShardNotifier notifier = new ShardNotifier();
        // The store comes from a provider found on the class path (ServiceLoader), so the server does not depend on
        // store modules such as Pulsar's; a provider that cannot reach its storage fails the start here.
        ShardStoreProvider provider = ShardStoreProvider.find(config.store());
        ShardStore backing = provider.create(config, clock, registry);
        started.push(backing);
        // Push subscribers wake on every durable append without the ingest path knowing about them.
        ShardStore store = new NotifyingShardStore(backing, notifier);
        // The catalog lives where the store says: the data dir for the local store, a topic every hub shares on Pulsar.
        StreamCatalog catalog = provider.catalog(config, registry);
        started.push(catalog);
        StreamRegistry streams = StreamRegistry.open(catalog, clock, registry);
        int opened = StreamShards.follow(streams, store, new ShardGauges(registry, store));
        ExecutorService worker = Executors.newFixedThreadPool(config.workerThreads(), daemon("hub-worker"));
        started.push(worker::shutdownNow);
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(daemon("hub-scheduler"));
        started.push(scheduler::shutdownNow);
        GrantTable grants = provider.grants(config, clock, registry); // where the store says: shared on Pulsar
        started.push(grants);
        ProducerRegistry producers = new ProducerRegistry(grants, worker, registry);
        HubContext ctx =
                new HubContext(config, auth, new HubMetrics(registry), streams, store, producers, clock, worker);
        Map<Frame.BodyCase, FrameService> services = new EnumMap<>(Frame.BodyCase.class);
        CheckpointStore checkpoints = CheckpointStore.open(config.dataDir(), registry);
        started.push(checkpoints);
        Replicator replicator =
                new Replicator(config, streams, store, notifier, grants, checkpoints, worker, clock, registry);
        started.push(replicator);
        services.put(Frame.BodyCase.BATCH, new BatchIngest(ctx, replicator));
        for (Frame.BodyCase c : List.of(
                Frame.BodyCase.REPLICA_OFFER,
                Frame.BodyCase.REPLICA_BATCHES,
                Frame.BodyCase.REPLICA_GRANTS,
                Frame.BodyCase.REPLICA_CHECKPOINT,
                Frame.BodyCase.REPLICA_HANDOVER)) {
            services.put(c, replicator.inbound());
        }
        // Consumer groups' state and coordination live where the store says: the data dir's checkpoint log for the
        // local store; on Pulsar, a topic per group that one hub at a time coordinates.
        GroupStore groupStore = provider.groups(config, checkpoints, registry);
        started.push(groupStore);
        GroupCoordinator groups = new GroupCoordinator(
                streams, groupStore, store, clock, registry, config.leaseTimeout(), worker, scheduler);
        started.push(groups);
        groups.region(config.region());
        AdminService admin = new AdminService(ctx, groups::describe, replicator);
        services.put(Frame.BodyCase.ADMIN_REQUEST, admin);
        ShardReads reads = new ShardReads(streams, store, clock);
        services.put(Frame.BodyCase.GET_RECORDS, new ReadService(ctx, reads));
        SubscriptionService subscriptions = new SubscriptionService(ctx, reads, notifier, scheduler, groups, registry);
        services.put(Frame.BodyCase.SUBSCRIBE, subscriptions);
        services.put(Frame.BodyCase.CREDIT, subscriptions);
        services.put(Frame.BodyCase.UNSUBSCRIBE, subscriptions);
        services.put(Frame.BodyCase.LEASE_HEARTBEAT, groups);
        services.put(Frame.BodyCase.CHECKPOINT, groups);
        HubServer server = HubServer.start(ctx, services);
        started.push(server);
        replicator.start(server.port(), server::quiesce);
        Optional<MetricsHttpServer> http = Optional.empty();
        if (config.metricsPort() >= 0) {
            HubHealth health = new HubHealth(
                    config.hubId(),
                    streams,
                    store,
                    () -> replicator.lags().problems(config.replication().lagAlertRecords()),
                    grants::problems,
                    groupStore::problems);
            http = Optional.of(MetricsHttpServer.start(
                    config.host(),
                    config.metricsPort(),
                    registry::scrape,
                    health,
                    Optional.of(HubConsole.create(
                            new HubConsoleApi(ctx, admin, groupStore, groups::describe, health), auth, registry))));
            started.push(http.get());
        }
        Hub hub = new Hub(
                config,
                registry,
                store,
                streams,
                grants,
                worker,
                scheduler,
                server,
                http,
                ctx,
                groups,
                groupStore,
                checkpoints,
                lock,
                replicator);
        RetentionScheduler.start(streams, store, scheduler, config.retentionCheckInterval());
        // Every listener is registered by now: other hubs' changes open and close shards here as local ones do.
        streams.followCatalog();
        log.info(
                "hub {} ready: {} streams, {} shards, {} store, data in {}",
                config.hubId(),
                streams.list().size(),
                opened,
                config.store(),
                config.dataDir());
        return hub;
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    public int port() {
        return server.port();
    }

    public Optional<Integer> metricsPort() {
        return http.map(MetricsHttpServer::port);
    }

    public HubConfig config() {
        return config;
    }

    public StreamRegistry streams() {
        return streams;
    }

    public ShardStore store() {
        return store;
    }

    /** The consumer-group coordinator: leases, checkpoints and lease checks of this hub. */
    public GroupCoordinator groups() {
        return groups;
    }

    /** Cross-region replication: lags, promotion. */
    public Replicator replication() {
        return replicator;
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    HubContext context() {
        return context;
    }

    @Override
    public void close() {
        log.info("hub {} stopping", config.hubId());
        scheduler.shutdownNow();
        replicator.close();
        http.ifPresent(MetricsHttpServer::close);
        server.close();
        groups.close();
        groupStore.close(); // lets go of the groups coordinated here: other hubs take them at once
        checkpoints.close();
        worker.shutdown();
        try {
            worker.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // Before the store: the catalog's thread opens and deletes shards for other hubs' changes.
        streams.catalog().close();
        store.close();
        try {
            grants.close();
        } catch (IOException e) {
            log.warn("closing the epoch grant log: {}", e.toString());
        }
        try {
            dataDirLock.close();
        } catch (IOException e) {
            log.warn("releasing the lock on {}: {}", config.dataDir(), e.toString());
        }
        log.info("hub {} stopped", config.hubId());
    }
}
