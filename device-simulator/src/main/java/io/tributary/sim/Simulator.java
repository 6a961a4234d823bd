package io.tributary.sim;

import io.tributary.sim.ack.AckLatency;
import io.tributary.sim.ack.AckLedger;
import io.tributary.sim.ack.LatencySummary;
import io.tributary.sim.device.ClientSettings;
import io.tributary.sim.device.DeviceClients;
import io.tributary.sim.payload.MessageIdentity;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Runs one simulation: connects the devices, paces publishes for the configured duration and/or count, waits (up
 * to the drain timeout) for outstanding acknowledgements, disconnects, and returns a {@link SimResult}.
 *
 * <p>Threads: {@link #run} blocks the caller; all pacing, connecting and churn decisions happen on one scheduler
 * thread ({@link Pacer}); client callbacks run on the HiveMQ client's threads. {@link #stop} may be called from any
 * thread (e.g. a shutdown hook). One {@code run} per instance.
 */
public final class Simulator {

    private final SimConfig config;
    private final Clock clock;
    private final LongSupplier nanoClock;
    private final Consumer<SecondSample> onSecond;
    private final AckLedger ledger;
    private final AckLatency latency = new AckLatency();
    private final SimCounters counters = new SimCounters();
    private final List<SecondSample> series = new ArrayList<>();
    private final CountDownLatch done = new CountDownLatch(1);
    private volatile boolean stopRequested;

    /** @param onSecond receives each second's sample on the scheduler thread; must be quick */
    public Simulator(SimConfig config, Clock clock, LongSupplier nanoClock, Consumer<SecondSample> onSecond) {
        this.config = config;
        this.clock = clock;
        this.nanoClock = nanoClock;
        this.onSecond = onSecond;
        this.ledger = new AckLedger(config.devices());
    }

    /** With the system clocks. */
    public Simulator(SimConfig config, Consumer<SecondSample> onSecond) {
        this(config, Clock.systemUTC(), System::nanoTime, onSecond);
    }

    /** The ledger this run writes (the verifier reads it). */
    public AckLedger ledger() {
        return ledger;
    }

    SimConfig config() {
        return config;
    }

    /** Live counters. */
    public SimCounters counters() {
        return counters;
    }

    /** Ends the load phase early; outstanding acknowledgements still get the drain timeout. */
    public void stop() {
        stopRequested = true;
    }

    boolean stopRequested() {
        return stopRequested;
    }

    /** Runs to the end; bounded by the connect timeout, the duration or count, and the drain timeout. */
    public SimResult run() throws InterruptedException {
        ClientSettings settings = new ClientSettings(
                config.host(),
                config.port(),
                config.mqttVersion(),
                config.persistentSessions(),
                config.sessionExpiry().toSeconds(),
                config.username(),
                config.password());
        DeviceClients clients = new DeviceClients(settings, config.ioThreads(), config.localAddresses());
        Queue<VirtualDevice> wentOffline = new ConcurrentLinkedQueue<>();
        VirtualDevice.Runtime rt =
                new VirtualDevice.Runtime(config, ledger, latency, counters, config.codec(), clock, wentOffline);
        List<VirtualDevice> devices = new ArrayList<>(config.devices());
        for (int i = 0; i < config.devices(); i++) {
            String id = MessageIdentity.deviceId(i);
            String topic = "tributary/g-" + (i % config.groups()) + "/" + id + "/"
                    + config.codec().metric();
            VirtualDevice device = new VirtualDevice(i, topic, rt);
            device.attach(clients.create(i, config.clientIdPrefix() + id, device::onDisconnected));
            devices.add(device);
        }
        long startedMs = clock.millis();
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sim-pacer");
            t.setDaemon(true);
            return t;
        });
        Pacer pacer = new Pacer(this, devices, wentOffline, nanoClock, done::countDown);
        try {
            scheduler.scheduleAtFixedRate(pacer::tick, 0, 1, TimeUnit.MILLISECONDS);
            scheduler.scheduleAtFixedRate(this::sample, 1, 1, TimeUnit.SECONDS);
            done.await();
        } finally {
            scheduler.shutdown();
            scheduler.awaitTermination(5, TimeUnit.SECONDS);
        }
        disconnectAll(devices);
        sample();
        long endedMs = clock.millis();
        return new SimResult(
                config,
                startedMs,
                endedMs,
                pacer.loadNanos(),
                ledger,
                counters.published.sum(),
                counters.skipped.sum(),
                counters.connects.sum(),
                counters.connectFailures.sum(),
                counters.unexpectedDisconnects.sum(),
                LatencySummary.ofMicros(latency.overall()),
                List.copyOf(series),
                pacer.abortReason());
    }

    private static void disconnectAll(List<VirtualDevice> devices) throws InterruptedException {
        CompletableFuture<?>[] all =
                devices.stream().map(VirtualDevice::disconnect).toArray(CompletableFuture[]::new);
        try {
            CompletableFuture.allOf(all).get(10, TimeUnit.SECONDS);
        } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
            // Disconnect never fails on purpose; a slow one is abandoned, the daemon threads die with the process.
        }
    }

    private long lastPublished;
    private long lastAcked;
    private long lastErrors;

    /** One second's sample; on the scheduler thread, or on the caller after the scheduler stopped. */
    private synchronized void sample() {
        long published = counters.published.sum();
        long acked = counters.acked.sum();
        long errors = counters.errors();
        LatencySummary l = LatencySummary.ofMicros(latency.nextInterval());
        SecondSample s = new SecondSample(
                series.size() + 1,
                published - lastPublished,
                acked - lastAcked,
                errors - lastErrors,
                counters.connected.get(),
                counters.inflight.get(),
                l.p50Ms(),
                l.p90Ms(),
                l.p99Ms(),
                l.maxMs());
        lastPublished = published;
        lastAcked = acked;
        lastErrors = errors;
        series.add(s);
        onSecond.accept(s);
    }
}
