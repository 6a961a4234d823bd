package io.tributary.edge.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubscriptionOption;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.tributary.testsupport.ChildJvms;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGKILLs a child JVM holding durable retained messages ({@link RetainedCrashChild}) 20 times while three clients
 * (MQTT 3.1.1 and 5) set and clear retained messages at QoS 1. After each restart a subscriber to {@code #} must get
 * exactly the acknowledged state: every topic's latest acknowledged value (or, for a topic whose last publish was in
 * flight at the kill, that one), no cleared topic back, nothing else; and start-up must not be blocked. A final clean
 * stop and start must not rebuild the view.
 */
class RetainedCrashIT {

    private static final int KILLS = 20;
    private static final int PUBLISHERS = 3;
    private static final int TOPICS_PER_PUBLISHER = 40;
    private static final Duration MAX_START = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    /** topic → latest acknowledged value ("" = cleared). */
    private final Map<String, String> acked = new ConcurrentHashMap<>();

    /** topic → value published and not acknowledged when the child died. */
    private final Map<String, String> inFlight = new ConcurrentHashMap<>();

    private long slowestStartMillis;
    private int rebuildsSeen;
    private int checked;

    private Child start(Path state, Path stderr) throws Exception {
        Child child = Child.start(state, stderr);
        slowestStartMillis = Math.max(slowestStartMillis, child.startMillis());
        return child;
    }

    @Test
    void sigkill_whilePublishingRetained_losesNothingAcknowledged() throws Exception {
        Path state = dir.resolve("state");
        Random random = new Random(13);
        for (int run = 0; run < KILLS; run++) {
            Child child = start(state, dir.resolve("child-" + run + ".err"));
            try {
                rebuildsSeen += child.rebuilds;
                verify(child.address, run);
                publishUntil(child, 30 + random.nextInt(400), random.nextLong());
            } finally {
                child.kill();
            }
        }
        Child last = start(state, dir.resolve("child-last.err"));
        verify(last.address, KILLS);
        last.stop();
        Child clean = start(state, dir.resolve("child-clean.err"));
        try {
            verify(clean.address, KILLS + 1);
            assertThat(clean.rebuilds).as("rebuilds after a clean stop").isZero();
        } finally {
            clean.stop();
        }
        assertThat(rebuildsSeen).as("restarts after a kill rebuilt the view").isGreaterThanOrEqualTo(KILLS - 1);
        assertThat(slowestStartMillis).isLessThan(MAX_START.toMillis());
        long journal = Files.size(state.resolve(DurableRetainedMessages.JOURNAL));
        assertThat(journal)
                .as("journal compacted (the children compact past 8 KiB), %d changes written", checked)
                .isLessThan(64 * 1024);
        System.out.printf(
                "retained crash test: %d kills, %d acknowledged publishes, %d retained topics checked, slowest start"
                        + " %d ms, journal %d bytes%n",
                KILLS, checked, acked.size(), slowestStartMillis, journal);
    }

    /** Subscribes to {@code #} and compares the retained messages it gets with the model; then settles the model. */
    private void verify(InetSocketAddress address, int run) throws Exception {
        Map<String, String> got = new HashMap<>();
        try (RawMqttClient sub = RawMqttClient.to(address)) {
            assertThat(sub.connect(MqttVersion.MQTT_5, "checker", null, null))
                    .isEqualTo(MqttConnectReturnCode.CONNECTION_ACCEPTED);
            sub.subscribe(
                    1,
                    "#",
                    new MqttSubscriptionOption(
                            MqttQoS.AT_MOST_ONCE,
                            false,
                            true,
                            MqttSubscriptionOption.RetainedHandlingPolicy.SEND_AT_SUBSCRIBE),
                    MqttProperties.NO_PROPERTIES);
            // delivered after every retained message queued for this subscriber: the end marker
            sub.publish("zz/end", 0, 0, false, "end");
            while (true) {
                MqttPublishMessage p = sub.nextPublish();
                String topic = p.variableHeader().topicName();
                if (topic.equals("zz/end")) {
                    break;
                }
                assertThat(got.put(topic, p.payload().toString(StandardCharsets.UTF_8)))
                        .as("run %d: %s twice", run, topic)
                        .isNull();
            }
        }
        Set<String> topics = new HashSet<>(acked.keySet());
        topics.addAll(inFlight.keySet());
        topics.addAll(got.keySet());
        for (String topic : topics) {
            String expected = acked.getOrDefault(topic, "");
            String actual = got.getOrDefault(topic, "");
            String pending = inFlight.get(topic);
            if (!actual.equals(expected)) {
                assertThat(actual)
                        .as("run %d: retained message of %s (acknowledged '%s')", run, topic, expected)
                        .isEqualTo(pending);
            }
            acked.put(topic, actual);
        }
        inFlight.clear();
    }

    /** Publishers set and clear retained messages until {@code acks} are acknowledged in all. */
    private void publishUntil(Child child, int acks, long seed) throws Exception {
        AtomicInteger total = new AtomicInteger();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        for (int p = 0; p < PUBLISHERS; p++) {
            int publisher = p;
            Thread t = new Thread(
                    () -> {
                        try {
                            publish(child.address, publisher, new Random(seed + publisher), total, stop);
                        } catch (Throwable e) {
                            failure.set(e);
                        }
                    },
                    "retained-publisher-" + p);
            t.start();
            threads.add(t);
        }
        try {
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(2))
                    .until(() -> total.get() >= acks || failure.get() != null);
            assertThat(failure.get()).as("publisher failure").isNull();
        } finally {
            child.kill();
            stop.set(true);
            for (Thread t : threads) {
                t.join(30_000);
            }
        }
        checked += total.get();
    }

    private void publish(
            InetSocketAddress address, int publisher, Random random, AtomicInteger total, AtomicBoolean stop)
            throws Exception {
        MqttVersion version = publisher == 0 ? MqttVersion.MQTT_3_1_1 : MqttVersion.MQTT_5;
        try (RawMqttClient c = RawMqttClient.to(address)) {
            assertThat(c.connect(version, "pub-" + publisher, null, null))
                    .isEqualTo(MqttConnectReturnCode.CONNECTION_ACCEPTED);
            for (int packetId = 1; !stop.get(); packetId = packetId % 65535 + 1) {
                String topic = "r/" + publisher + "/" + random.nextInt(TOPICS_PER_PUBLISHER);
                String value = random.nextInt(5) == 0 ? "" : topic + "#" + random.nextInt(1_000_000);
                inFlight.put(topic, value);
                c.send(MqttMessageBuilders.publish()
                        .topicName(topic)
                        .qos(MqttQoS.AT_LEAST_ONCE)
                        .messageId(packetId)
                        .retained(true)
                        .payload(Unpooled.copiedBuffer(value, StandardCharsets.UTF_8))
                        .build());
                MqttMessage ack = null;
                while (ack == null && (c.isOpen() || !c.received().isEmpty())) {
                    ack = c.received().poll(50, TimeUnit.MILLISECONDS);
                }
                if (ack == null) {
                    return; // the child died: this publish stays in flight
                }
                assertThat(TestServer.packetId(ack)).isEqualTo(packetId);
                assertThat(TestServer.reasonCode(ack)).isZero();
                acked.put(topic, value);
                inFlight.remove(topic);
                total.incrementAndGet();
            }
        }
    }

    /** A running {@link RetainedCrashChild}; also used by {@link SessionCrashIT}. */
    record Child(Process process, InetSocketAddress address, long rebuilds, long sessionRebuilds, long startMillis) {

        static Child start(Path state, Path stderr) throws Exception {
            long started = System.nanoTime();
            Process process = new ProcessBuilder(ChildJvms.command("96m", RetainedCrashChild.class, state.toString()))
                    .redirectError(stderr.toFile())
                    .start();
            BufferedReader out =
                    new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            AtomicReference<String> ready = new AtomicReference<>();
            Thread reader = new Thread(
                    () -> {
                        try {
                            for (String line; (line = out.readLine()) != null; ) {
                                if (line.startsWith("READY ")) {
                                    ready.set(line);
                                }
                            }
                        } catch (java.io.IOException e) {
                            // the child died: nothing more to read
                        }
                    },
                    "retained-child-stdout");
            reader.setDaemon(true);
            reader.start();
            await().atMost(MAX_START)
                    .pollInterval(Duration.ofMillis(10))
                    .until(() -> ready.get() != null || !process.isAlive());
            assertThat(ready.get())
                    .as("child start; stderr: %s", Files.readString(stderr))
                    .isNotNull();
            String[] parts = ready.get().split(" ");
            return new Child(
                    process,
                    new InetSocketAddress("127.0.0.1", Integer.parseInt(parts[1])),
                    Long.parseLong(parts[2]),
                    Long.parseLong(parts[3]),
                    (System.nanoTime() - started) / 1_000_000);
        }

        void kill() throws InterruptedException {
            process.toHandle().destroyForcibly(); // SIGKILL
            process.waitFor(30, TimeUnit.SECONDS);
        }

        void stop() {
            ChildJvms.stop(process); // SIGTERM: the child's shutdown hook closes the server cleanly
        }
    }
}
