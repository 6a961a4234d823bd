package io.tributary.edge.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubscriptionOption;
import io.netty.handler.codec.mqtt.MqttVersion;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
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
 * SIGKILLs a child JVM ({@link RetainedCrashChild}) holding persistent sessions 20 times while QoS 1 and QoS 2 messages
 * are published to four persistent subscribers (two MQTT 3.1.1, two MQTT 5; two stay connected and acknowledge while
 * the agent dies, two are offline so their messages queue) and each subscriber adds a subscription per run. After
 * each restart every session is present, the subscription acknowledged in the previous run delivers, and every
 * message whose publisher got its PUBACK/PUBREC is delivered: at least once at QoS 1, exactly once at QoS 2 (the
 * subscriber de-duplicates by packet id until PUBREL, as a QoS 2 receiver does). Start-up is never blocked by MapDB,
 * and a clean stop needs no rebuild.
 */
class SessionCrashIT {

    private static final int KILLS = 20;

    @TempDir
    Path dir;

    /** One persistent subscriber, with what it got over all runs. */
    private static final class Subscriber {
        final int index;
        final MqttVersion version;
        final int qos;
        final boolean staysConnected;
        /** payload → times delivered to the application. */
        final Map<String, Integer> delivered = new ConcurrentHashMap<>();
        /** QoS 2 packet ids PUBREC'd and not yet released: a PUBLISH with one is a duplicate. */
        final Set<Integer> awaitingRel = ConcurrentHashMap.newKeySet();
        /** payloads whose publisher got its acknowledgement. */
        final Set<String> acked = ConcurrentHashMap.newKeySet();

        int lastExtra = -1; // run of the last acknowledged extra subscription
        RawMqttClient client;
        Thread consumer;

        Subscriber(int index, MqttVersion version, int qos, boolean staysConnected) {
            this.index = index;
            this.version = version;
            this.qos = qos;
            this.staysConnected = staysConnected;
        }

        String id() {
            return "persistent-" + index;
        }
    }

    private final List<Subscriber> subscribers = List.of(
            new Subscriber(0, MqttVersion.MQTT_3_1_1, 1, true),
            new Subscriber(1, MqttVersion.MQTT_3_1_1, 1, false),
            new Subscriber(2, MqttVersion.MQTT_5, 1, false),
            new Subscriber(3, MqttVersion.MQTT_5, 2, true));

    private final AtomicInteger payloadSeq = new AtomicInteger();
    private long slowestStartMillis;
    private long rebuilds;

    @Test
    void sigkill_withPersistentSessions_losesNoAcknowledgedSubscriptionOrMessage() throws Exception {
        Path state = dir.resolve("state");
        Random random = new Random(31);
        for (int run = 0; run <= KILLS; run++) {
            RetainedCrashIT.Child child = RetainedCrashIT.Child.start(state, dir.resolve("child-" + run + ".err"));
            slowestStartMillis = Math.max(slowestStartMillis, child.startMillis());
            rebuilds += child.sessionRebuilds();
            try {
                for (Subscriber s : subscribers) {
                    verify(child.address(), s, run);
                }
                if (run < KILLS) {
                    publishUntil(child.address(), 50 + random.nextInt(150));
                }
            } finally {
                if (run < KILLS) {
                    child.kill();
                } else {
                    child.stop();
                }
                for (Subscriber s : subscribers) {
                    closeClient(s);
                }
            }
        }
        RetainedCrashIT.Child clean = RetainedCrashIT.Child.start(state, dir.resolve("child-clean.err"));
        try {
            assertThat(clean.sessionRebuilds())
                    .as("rebuilds after a clean stop")
                    .isZero();
            for (Subscriber s : subscribers) {
                verify(clean.address(), s, KILLS + 1);
            }
        } finally {
            clean.stop();
            subscribers.forEach(this::closeClient);
        }
        assertThat(rebuilds).as("restarts after a kill rebuilt the view").isGreaterThanOrEqualTo(KILLS - 1);
        assertThat(slowestStartMillis).isLessThan(30_000);
        int total = subscribers.stream().mapToInt(s -> s.acked.size()).sum();
        long journal = java.nio.file.Files.size(state.resolve(io.tributary.edge.mqtt.session.SessionStore.JOURNAL));
        System.out.printf(
                "session crash test: %d kills, %d acknowledged messages checked, slowest start %d ms, journal %d"
                        + " bytes%n",
                KILLS, total, slowestStartMillis, journal);
    }

    /**
     * Connects {@code s} (its session must be present after run 0), checks that its last extra subscription
     * delivers and that everything acknowledged to publishers reached it, then adds this run's subscription.
     */
    private void verify(InetSocketAddress address, Subscriber s, int run) throws Exception {
        s.client = RawMqttClient.to(address);
        var connAck =
                s.client.connectPersistent(s.version, s.id(), 3600, null, null).variableHeader();
        assertThat(connAck.connectReturnCode()).isEqualTo(MqttConnectReturnCode.CONNECTION_ACCEPTED);
        boolean present = connAck.isSessionPresent();
        assertThat(present).as("run %d: session of %s present", run, s.id()).isEqualTo(run > 0);
        startConsumer(s);
        if (run == 0) {
            subscribe(s, "q/" + s.index + "/#", s.qos);
        }
        String probe = null;
        if (s.lastExtra >= 0) {
            probe = "probe-" + s.index + "-" + run;
            publishOne(address, "x/" + s.index + "/" + s.lastExtra, probe, 1);
        }
        String marker = "end-" + s.index + "-" + run;
        publishOne(address, "q/" + s.index + "/m", marker, s.qos);
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(5))
                .until(() -> s.delivered.containsKey(marker));
        if (probe != null) {
            assertThat(s.delivered)
                    .as("run %d: subscription x/%d/%d", run, s.index, s.lastExtra)
                    .containsKey(probe);
        }
        for (String payload : s.acked) {
            assertThat(s.delivered)
                    .as("run %d: %s got acknowledged %s", run, s.id(), payload)
                    .containsKey(payload);
        }
        if (s.qos == 2) {
            s.delivered.forEach((payload, times) -> assertThat(times)
                    .as("run %d: QoS 2 %s delivered once", run, payload)
                    .isEqualTo(1));
        }
        subscribe(s, "x/" + s.index + "/" + run, 1);
        s.lastExtra = run;
        if (!s.staysConnected) {
            s.client.send(
                    io.netty.handler.codec.mqtt.MqttMessageBuilders.disconnect().build());
            closeClient(s);
        }
    }

    private void subscribe(Subscriber s, String filter, int qos) {
        // the SUBACK arrives on the consumer's queue: wait for the consumer to see it
        int packetId = 60_000 + payloadSeq.incrementAndGet() % 5000;
        subAcks.remove(s.index);
        s.client.send(io.netty.handler.codec.mqtt.MqttMessageBuilders.subscribe()
                .messageId(packetId)
                .addSubscription(filter, MqttSubscriptionOption.onlyFromQos(MqttQoS.valueOf(qos)))
                .properties(MqttProperties.NO_PROPERTIES)
                .build());
        await().atMost(Duration.ofSeconds(30))
                .until(() -> Integer.valueOf(packetId).equals(subAcks.get(s.index)));
    }

    private final Map<Integer, Integer> subAcks = new ConcurrentHashMap<>();

    /** Reads every packet of {@code s}'s connection: records and acknowledges publishes, answers PUBREL. */
    private void startConsumer(Subscriber s) {
        RawMqttClient c = s.client;
        s.consumer = new Thread(
                () -> {
                    try {
                        while (c.isOpen() || !c.received().isEmpty()) {
                            MqttMessage m = c.received().poll(50, TimeUnit.MILLISECONDS);
                            if (m != null) {
                                consume(s, c, m);
                            }
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                },
                "consumer-" + s.index);
        s.consumer.start();
    }

    private void consume(Subscriber s, RawMqttClient c, MqttMessage m) {
        MqttMessageType type = m.fixedHeader().messageType();
        if (type == MqttMessageType.SUBACK) {
            subAcks.put(s.index, TestServer.packetId(m));
        } else if (type == MqttMessageType.PUBLISH) {
            MqttPublishMessage p = (MqttPublishMessage) m;
            int qos = p.fixedHeader().qosLevel().value();
            int packetId = p.variableHeader().packetId();
            String payload = p.payload().toString(StandardCharsets.UTF_8);
            if (qos < 2 || s.awaitingRel.add(packetId)) {
                s.delivered.merge(payload, 1, Integer::sum);
            }
            c.reply(qos == 2 ? MqttMessageType.PUBREC : MqttMessageType.PUBACK, packetId);
        } else if (type == MqttMessageType.PUBREL) {
            int packetId = TestServer.packetId(m);
            s.awaitingRel.remove(packetId);
            c.reply(MqttMessageType.PUBCOMP, packetId);
        }
    }

    private void closeClient(Subscriber s) {
        if (s.client != null) {
            s.client.close();
            s.client = null;
        }
        if (s.consumer != null) {
            try {
                s.consumer.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            s.consumer = null;
        }
    }

    private void publishOne(InetSocketAddress address, String topic, String payload, int qos) throws Exception {
        try (RawMqttClient pub = RawMqttClient.to(address)) {
            assertThat(pub.connect(MqttVersion.MQTT_5, "checker", null, null))
                    .isEqualTo(MqttConnectReturnCode.CONNECTION_ACCEPTED);
            assertThat(sendAndAwaitAck(pub, topic, payload, qos, 1)).isTrue();
        }
    }

    /** Publishes and completes the QoS flow; true once the publisher was acknowledged (PUBACK / PUBREC). */
    private static boolean sendAndAwaitAck(RawMqttClient pub, String topic, String payload, int qos, int packetId)
            throws InterruptedException {
        pub.publish(topic, qos, packetId, false, payload);
        MqttMessage ack = null;
        while (ack == null && (pub.isOpen() || !pub.received().isEmpty())) {
            ack = pub.received().poll(50, TimeUnit.MILLISECONDS);
        }
        if (ack == null) {
            return false;
        }
        assertThat(TestServer.reasonCode(ack)).isZero();
        if (qos == 2) {
            pub.pubRel(packetId);
            MqttMessage comp = null;
            while (comp == null && pub.isOpen()) {
                comp = pub.received().poll(50, TimeUnit.MILLISECONDS);
            }
        }
        return true;
    }

    /** Two publishers spread messages over the subscribers until {@code acks} were acknowledged; then the kill. */
    private void publishUntil(InetSocketAddress address, int acks) throws Exception {
        AtomicInteger total = new AtomicInteger();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        for (int p = 0; p < 2; p++) {
            int publisher = p;
            Thread t = new Thread(
                    () -> {
                        try (RawMqttClient pub = RawMqttClient.to(address)) {
                            pub.connect(
                                    publisher == 0 ? MqttVersion.MQTT_3_1_1 : MqttVersion.MQTT_5,
                                    "pub-" + publisher,
                                    null,
                                    null);
                            Random random = new Random(publisher * 7919L + payloadSeq.get());
                            for (int packetId = 1; !stop.get(); packetId = packetId % 50_000 + 1) {
                                Subscriber s = subscribers.get(random.nextInt(subscribers.size()));
                                String payload = "m" + payloadSeq.incrementAndGet();
                                if (!sendAndAwaitAck(pub, "q/" + s.index + "/data", payload, s.qos, packetId)) {
                                    return; // the child died: this one stays unacknowledged
                                }
                                s.acked.add(payload);
                                total.incrementAndGet();
                            }
                        } catch (Throwable e) {
                            failure.set(e);
                        }
                    },
                    "session-publisher-" + p);
            t.start();
            threads.add(t);
        }
        try {
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(2))
                    .until(() -> total.get() >= acks || failure.get() != null);
            assertThat(failure.get()).as("publisher failure").isNull();
        } finally {
            stop.set(true);
        }
    }
}
