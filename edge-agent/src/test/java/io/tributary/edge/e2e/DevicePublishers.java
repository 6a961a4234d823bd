package io.tributary.edge.e2e;

import io.tributary.hub.client.ConsumerRecord;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.paho.client.mqttv3.IMqttActionListener;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/**
 * Simulated devices, one Paho (MQTT 3.1.1) client and thread each, publishing QoS 1 at a bounded rate with a window of
 * unacknowledged publishes. Device {@code d} is {@code dev-d} in group {@code g(d % groups)}; each payload carries its
 * device and a per-device sequence that only goes up: a publish that got no PUBACK is never sent again, so a
 * sequence seen twice at the hub is a duplicate made by the edge or the hub. A lost connection is re-opened (the agent
 * may be dead for a while) and publishing goes on with the next sequence.
 *
 * <p>Thread rules: {@link #start} and {@link #stop} from the test thread; the ledger is thread-safe.
 */
final class DevicePublishers implements AutoCloseable {
    private static final int WINDOW = 32;
    private static final int BURST = 8;
    private static final long PAUSE_MS = 10;

    private final int burst;
    private final long pauseMillis;
    private final int qos;

    private final String uri;
    private final int devices;
    private final int groups;
    private final List<Set<Long>> acked = new ArrayList<>();
    private final AtomicLong ackedTotal = new AtomicLong();
    private final CountDownLatch stop = new CountDownLatch(1);
    private boolean persistent;
    private final List<Thread> threads = new ArrayList<>();

    DevicePublishers(int mqttPort, int devices, int groups) {
        this(mqttPort, devices, groups, BURST, PAUSE_MS);
    }

    /** Each device sends at most {@code burst} publishes every {@code pauseMillis}: a steady load below the limit. */
    DevicePublishers(int mqttPort, int devices, int groups, int burst, long pauseMillis) {
        this(mqttPort, devices, groups, burst, pauseMillis, 1);
    }

    /** As above, publishing at {@code qos} (1 or 2: a publish counts once PUBACK or PUBCOMP arrived). */
    DevicePublishers(int mqttPort, int devices, int groups, int burst, long pauseMillis, int qos) {
        this.qos = qos;
        this.burst = burst;
        this.pauseMillis = pauseMillis;
        this.uri = "tcp://127.0.0.1:" + mqttPort;
        this.devices = devices;
        this.groups = groups;
        for (int d = 0; d < devices; d++) {
            acked.add(new ConcurrentSkipListSet<>());
        }
    }

    static String device(int d) {
        return "dev-" + d;
    }

    String topic(int d) {
        return "tributary/g" + (d % groups) + "/" + device(d) + "/temp";
    }

    static String payload(int d, long seq) {
        return "{\"dev\":\"" + device(d) + "\",\"seq\":" + seq + "}";
    }

    /** The sequence in a payload made by {@link #payload}. */
    static long seqOf(String payload) {
        int at = payload.indexOf("\"seq\":");
        return Long.parseLong(payload.substring(at + 6, payload.length() - 1));
    }

    /**
     * Before {@link #start}: each device keeps one client with a persistent session (clean session 0) and reconnects
     * it, so that it resends what was in flight when the connection dropped (PUBLISH with DUP, PUBREL), as a real
     * device does; a resent message keeps its sequence, so a sequence seen twice at the hub is still a duplicate.
     */
    DevicePublishers persistentSessions() {
        this.persistent = true;
        return this;
    }

    void start(long maxRunMillis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(maxRunMillis);
        for (int d = 0; d < devices; d++) {
            int device = d;
            Thread t = new Thread(() -> run(device, deadline), "publisher-" + device(d));
            t.setDaemon(true);
            t.start();
            threads.add(t);
        }
    }

    long ackedTotal() {
        return ackedTotal.get();
    }

    /** How many acknowledged publishes are not among {@code records} (read from the hub). */
    long missing(List<ConsumerRecord> records) {
        return missingByDevice(records).values().stream().mapToLong(List::size).sum();
    }

    /** The acknowledged sequences not among {@code records}, by device (the first 20 of each), for a failure. */
    String describeMissing(List<ConsumerRecord> records) {
        StringBuilder b = new StringBuilder();
        missingByDevice(records)
                .forEach((device, seqs) -> b.append(String.format(
                        "%n  %s: %d missing, first %s",
                        device, seqs.size(), seqs.subList(0, Math.min(20, seqs.size())))));
        return b.toString();
    }

    private Map<String, List<Long>> missingByDevice(List<ConsumerRecord> records) {
        Map<String, Set<Long>> seen = new HashMap<>();
        for (ConsumerRecord r : records) {
            seen.computeIfAbsent(r.record().getDeviceId(), k -> new HashSet<>())
                    .add(seqOf(r.record().getPayload().toStringUtf8()));
        }
        Map<String, List<Long>> missing = new java.util.TreeMap<>();
        for (int d = 0; d < devices; d++) {
            Set<Long> s = seen.getOrDefault(device(d), Set.of());
            List<Long> m =
                    acked(d).stream().filter(x -> !s.contains(x)).sorted().toList();
            if (!m.isEmpty()) {
                missing.put(device(d), m);
            }
        }
        return missing;
    }

    /** Sequences of device {@code d} that got a PUBACK. */
    Set<Long> acked(int d) {
        return acked.get(d);
    }

    private void run(int d, long deadlineNanos) {
        MqttAsyncClient client = null;
        Semaphore window = new Semaphore(WINDOW);
        long seq = 0;
        try {
            while (stop.getCount() > 0 && System.nanoTime() < deadlineNanos) {
                if (persistent && client != null && !client.isConnected()) {
                    if (!reconnect(client)) {
                        stop.await(20, TimeUnit.MILLISECONDS);
                    }
                    continue;
                }
                if (client == null || !client.isConnected()) {
                    discard(client);
                    client = connect(d);
                    window = new Semaphore(WINDOW); // permits of a dead connection's publishes never come back
                    if (client == null) {
                        stop.await(20, TimeUnit.MILLISECONDS);
                    }
                    continue;
                }
                for (int i = 0; i < burst && window.tryAcquire(20, TimeUnit.MILLISECONDS); i++) {
                    long s = seq++;
                    Semaphore w = window;
                    try {
                        client.publish(
                                topic(d),
                                payload(d, s).getBytes(StandardCharsets.UTF_8),
                                qos,
                                false,
                                null,
                                new IMqttActionListener() {
                                    @Override
                                    public void onSuccess(IMqttToken token) {
                                        acked.get(d).add(s);
                                        ackedTotal.incrementAndGet();
                                        w.release();
                                    }

                                    @Override
                                    public void onFailure(IMqttToken token, Throwable e) {
                                        w.release();
                                    }
                                });
                    } catch (MqttException e) {
                        w.release();
                        break; // connection lost; the loop reconnects
                    }
                }
                stop.await(pauseMillis, TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            discard(client);
        }
    }

    private MqttAsyncClient connect(int d) {
        MqttAsyncClient c = null;
        try {
            c = new MqttAsyncClient(uri, "crash-" + device(d), new MemoryPersistence());
            c.connect(options()).waitForCompletion(3_000);
            return c;
        } catch (MqttException e) {
            discard(c);
            return null;
        }
    }

    private MqttConnectOptions options() {
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(!persistent);
        o.setMaxInflight(WINDOW * 2);
        o.setConnectionTimeout(2);
        o.setKeepAliveInterval(30);
        o.setAutomaticReconnect(false);
        return o;
    }

    /** Connects a persistent-session client again; false when the agent is not there (yet). */
    private boolean reconnect(MqttAsyncClient c) {
        try {
            c.connect(options()).waitForCompletion(3_000);
            return true;
        } catch (MqttException e) {
            return false; // refused, timed out, or an attempt still in progress
        }
    }

    private static void discard(MqttAsyncClient c) {
        if (c == null) {
            return;
        }
        try {
            if (c.isConnected()) {
                c.disconnectForcibly(0, 100);
            }
        } catch (MqttException e) {
            // already gone
        }
        try {
            c.close(true);
        } catch (MqttException e) {
            // already closed
        }
    }

    /** Stops publishing; acknowledgements still in flight may yet arrive and be counted. */
    @Override
    public void close() throws InterruptedException {
        stop.countDown();
        for (Thread t : threads) {
            t.join(10_000);
        }
    }
}
