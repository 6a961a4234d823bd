package io.tributary.edge.registry;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.edge.buffer.log.LogFiles;
import io.tributary.edge.state.JournaledMap;
import io.tributary.edge.state.MapDbView;
import io.tributary.edge.state.WriteHealth;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The device registry: per device id, its group, last client, first and last seen, publish count and latest value per
 * metric. Every device ever seen is in a {@link JournaledMap} ({@code data-dir/registry/devices.*}: MapDB, off the
 * heap, rebuilt from its journal after a crash); only devices that published since the last flush are on the heap.
 *
 * <p>What it promises: the registry is statistics, not acknowledged data. {@link #onPublish} only updates memory; a
 * flusher writes what changed every {@link #FLUSH_INTERVAL} (one fsync'd journal append), so a SIGKILL loses at most
 * that interval of counts and values, never the registry. A failed flush keeps the changes for the next one (logged,
 * counted in {@code tributary_edge_state_write_failures_total{store="registry"}}, and the agent's health is degraded
 * until a flush succeeds: {@link #health}).
 *
 * <p>Threads: {@link #onPublish} from any thread, without blocking (a short lock per device); the readers from any
 * thread; flushes on the {@code device-registry} thread.
 */
public final class DeviceRegistry implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DeviceRegistry.class);

    /** How often changes are written. */
    public static final Duration FLUSH_INTERVAL = Duration.ofSeconds(5);
    /** Payload bytes kept per latest value. */
    public static final int MAX_VALUE_BYTES = 128;
    /** Metrics tracked per device; the latest values of further metrics are not kept. */
    public static final int MAX_METRICS = 64;

    private static final long COMPACT_BYTES = 8L * 1024 * 1024;

    private final JournaledMap store;
    private final ConcurrentHashMap<String, Live> live = new ConcurrentHashMap<>();
    private final ScheduledExecutorService flusher;
    private final WriteHealth health;
    private boolean closed;

    /** Changes of one device since the last flush; guarded by its own monitor. */
    private static final class Live {
        String group;
        String clientId;
        long firstSeenMs = Long.MAX_VALUE;
        long lastSeenMs = Long.MIN_VALUE;
        long publishes;
        final Map<String, DeviceInfo.LastValue> values = new HashMap<>(4);
        /** Removed from the live map (it had nothing to flush): an update must use a fresh entry. */
        boolean retired;
    }

    private DeviceRegistry(JournaledMap store, MeterRegistry registry, Duration interval) {
        this.store = store;
        this.health = new WriteHealth("registry", registry);
        Gauge.builder("tributary.edge.registry.devices", this, DeviceRegistry::size)
                .description("Devices in the edge's device registry")
                .register(registry);
        this.flusher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "device-registry");
            t.setDaemon(true);
            return t;
        });
        long ms = interval.toMillis();
        flusher.scheduleWithFixedDelay(this::flushLogged, ms, ms, TimeUnit.MILLISECONDS);
    }

    /** Opens (or creates) the registry in {@code dir}, flushing every {@link #FLUSH_INTERVAL}. */
    public static DeviceRegistry open(Path dir, MeterRegistry registry) throws IOException {
        return open(dir, registry, FLUSH_INTERVAL);
    }

    static DeviceRegistry open(Path dir, MeterRegistry registry, Duration interval) throws IOException {
        return open(dir, registry, interval, LogFiles.DEFAULT);
    }

    /** As above, the journal's files opened through {@code files}. */
    static DeviceRegistry open(Path dir, MeterRegistry registry, Duration interval, LogFiles files) throws IOException {
        Map<String, Counter> rebuilds = new HashMap<>();
        for (String reason : MapDbView.REBUILD_REASONS) { // at 0 from the start, so increase() sees the first
            rebuilds.put(
                    reason,
                    Counter.builder("tributary.edge.registry.rebuilds")
                            .description("Device-registry views (MapDB) rebuilt from the journal at start, by reason")
                            .tag("reason", reason)
                            .register(registry));
        }
        JournaledMap store = JournaledMap.open(
                dir, "devices", COMPACT_BYTES, reason -> rebuilds.get(reason).increment(), files);
        log.info("Device registry {}: {} devices", dir, store.size());
        return new DeviceRegistry(store, registry, interval);
    }

    /**
     * Notes one publish of {@code device}. {@code payload} is kept by reference when it is short (publishers must not
     * change it, see {@code InboundPublish}), else its first {@link #MAX_VALUE_BYTES} bytes are copied.
     */
    public void onPublish(String group, String device, String clientId, String metric, byte[] payload, long timeMs) {
        boolean cut = payload.length > MAX_VALUE_BYTES;
        DeviceInfo.LastValue value =
                new DeviceInfo.LastValue(cut ? Arrays.copyOf(payload, MAX_VALUE_BYTES) : payload, cut, timeMs);
        while (true) {
            Live l = live.computeIfAbsent(device, k -> new Live());
            synchronized (l) {
                if (l.retired) {
                    continue;
                }
                l.group = group;
                l.clientId = clientId;
                l.firstSeenMs = Math.min(l.firstSeenMs, timeMs);
                l.lastSeenMs = Math.max(l.lastSeenMs, timeMs);
                l.publishes++;
                if (l.values.size() < MAX_METRICS || l.values.containsKey(metric)) {
                    l.values.put(metric, value);
                }
                return;
            }
        }
    }

    /** Every known device, by id. */
    public List<DeviceInfo> devices() {
        TreeSet<String> ids = new TreeSet<>(store.keys());
        ids.addAll(live.keySet());
        List<DeviceInfo> out = new ArrayList<>(ids.size());
        for (String id : ids) {
            device(id).ifPresent(out::add);
        }
        return out;
    }

    /** One device, with the changes not yet flushed. */
    public Optional<DeviceInfo> device(String id) {
        DeviceInfo stored = stored(id);
        Live l = live.get(id);
        if (l == null) {
            return Optional.ofNullable(stored);
        }
        synchronized (l) {
            return Optional.ofNullable(l.publishes == 0 ? stored : merge(id, stored, l));
        }
    }

    /** Known devices (those stored, plus those seen first since the last flush). */
    public int size() {
        int fresh = 0;
        for (String id : live.keySet()) {
            fresh += store.get(id) == null ? 1 : 0;
        }
        return store.size() + fresh;
    }

    /** Devices with an entry on the heap (changed since the flush before the last one). */
    int liveDevices() {
        return live.size();
    }

    private DeviceInfo stored(String id) {
        byte[] value = store.get(id);
        return value == null ? null : DeviceCodec.decode(id, value);
    }

    private static DeviceInfo merge(String id, DeviceInfo stored, Live l) {
        Map<String, DeviceInfo.LastValue> values = new HashMap<>();
        if (stored != null) {
            values.putAll(stored.lastValues());
        }
        for (Map.Entry<String, DeviceInfo.LastValue> e : l.values.entrySet()) {
            if (values.size() < MAX_METRICS || values.containsKey(e.getKey())) {
                values.put(e.getKey(), e.getValue());
            }
        }
        return new DeviceInfo(
                id,
                l.group,
                l.clientId,
                stored == null ? l.firstSeenMs : Math.min(stored.firstSeenMs(), l.firstSeenMs),
                stored == null ? l.lastSeenMs : Math.max(stored.lastSeenMs(), l.lastSeenMs),
                (stored == null ? 0 : stored.publishes()) + l.publishes,
                values);
    }

    /** What one flush wrote of a device, to take off its live entry once durable. */
    private record Flushed(Live live, long publishes, Map<String, DeviceInfo.LastValue> values) {}

    /**
     * Writes every device changed since the last flush (one journal append and fsync), then takes what was written
     * off the live entries; devices without changes leave the heap.
     */
    synchronized void flush() throws IOException {
        if (closed) {
            return;
        }
        Map<String, byte[]> changes = new LinkedHashMap<>();
        List<Flushed> flushed = new ArrayList<>();
        for (Map.Entry<String, Live> e : live.entrySet()) {
            Live l = e.getValue();
            synchronized (l) {
                if (l.publishes == 0) {
                    l.retired = true;
                    live.remove(e.getKey(), l);
                    continue;
                }
                changes.put(e.getKey(), DeviceCodec.encode(merge(e.getKey(), stored(e.getKey()), l)));
                flushed.add(new Flushed(l, l.publishes, new HashMap<>(l.values)));
            }
        }
        try {
            store.putAll(changes);
        } catch (IOException | RuntimeException e) {
            health.failed(e);
            throw e;
        }
        health.succeeded();
        for (Flushed f : flushed) {
            synchronized (f.live()) {
                f.live().publishes -= f.publishes();
                // a value replaced meanwhile is newer than the one written: keep it
                f.values().forEach((metric, v) -> f.live().values.remove(metric, v));
            }
        }
    }

    private void flushLogged() {
        try {
            flush();
        } catch (IOException | RuntimeException e) {
            log.warn("Cannot write the device registry (changes kept for the next flush): {}", e.toString());
        }
    }

    /** Whether the registry can be written, for health. */
    public WriteHealth health() {
        return health;
    }

    /** Writes what is left, then closes the files (a clean view: no rebuild at the next start). */
    @Override
    public void close() throws IOException {
        flusher.shutdown();
        try {
            flusher.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            try {
                flush();
            } finally {
                closed = true;
                store.close();
            }
        }
    }
}
