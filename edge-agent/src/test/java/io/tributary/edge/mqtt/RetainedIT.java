package io.tributary.edge.mqtt;

import static io.tributary.edge.mqtt.TestServer.PASSWORD;
import static io.tributary.edge.mqtt.TestServer.USER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubscriptionOption;
import io.netty.handler.codec.mqtt.MqttSubscriptionOption.RetainedHandlingPolicy;
import io.netty.handler.codec.mqtt.MqttVersion;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Retained messages: replace, clear, Retain Handling, Retain As Published, {@code $} topics, forwarded topics, and
 * the durable store across a restart.
 */
class RetainedIT {

    @AutoClose
    private TestServer server = TestServer.localBroker();

    private RawMqttClient raw(String id) throws Exception {
        RawMqttClient c = RawMqttClient.to(server.address());
        assertThat(c.connect(MqttVersion.MQTT_5, id, USER, PASSWORD))
                .isEqualTo(MqttConnectReturnCode.CONNECTION_ACCEPTED);
        return c;
    }

    private static void publishRetained(RawMqttClient c, String topic, int qos, int packetId, String payload)
            throws InterruptedException {
        c.send(MqttMessageBuilders.publish()
                .topicName(topic)
                .qos(MqttQoS.valueOf(qos))
                .messageId(packetId)
                .retained(true)
                .payload(Unpooled.copiedBuffer(payload, StandardCharsets.UTF_8))
                .build());
        if (qos > 0) {
            c.next();
        }
    }

    /** The first message a new HiveMQ MQTT 5 subscriber to {@code local/#} gets. */
    private Mqtt5Publish firstOnLocalTopics() {
        BlockingQueue<Mqtt5Publish> got = new LinkedBlockingQueue<>();
        server.hivemq5("sub")
                .toAsync()
                .subscribeWith()
                .topicFilter("local/#")
                .callback(got::add)
                .send()
                .join();
        return await().atMost(Duration.ofSeconds(5)).until(got::poll, java.util.Objects::nonNull);
    }

    private static MqttSubscriptionOption option(int qos, boolean retainAsPublished, RetainedHandlingPolicy handling) {
        return new MqttSubscriptionOption(MqttQoS.valueOf(qos), false, retainAsPublished, handling);
    }

    private static String text(MqttPublishMessage p) {
        return p.payload().toString(StandardCharsets.UTF_8);
    }

    @Test
    void retained_replacedByTheNextOne_clearedByAnEmptyPayload() throws Exception {
        RawMqttClient pub = raw("pub");
        publishRetained(pub, "local/door", 1, 1, "closed");
        publishRetained(pub, "local/door", 1, 2, "open");
        RawMqttClient first = raw("first");
        first.subscribe(
                1, "local/+", option(1, false, RetainedHandlingPolicy.SEND_AT_SUBSCRIBE), MqttProperties.NO_PROPERTIES);
        MqttPublishMessage got = first.nextPublish();
        assertThat(text(got)).isEqualTo("open");
        assertThat(got.fixedHeader().isRetain()).isTrue();
        first.reply(
                io.netty.handler.codec.mqtt.MqttMessageType.PUBACK,
                got.variableHeader().packetId());

        publishRetained(pub, "local/door", 1, 3, "");
        MqttPublishMessage cleared = first.nextPublish();
        assertThat(cleared.payload().readableBytes())
                .as("the clearing publish still reaches subscribers")
                .isZero();
        assertThat(server.registry
                        .get("tributary.edge.mqtt.retained.messages")
                        .gauge()
                        .value())
                .isZero();
        RawMqttClient late = raw("late");
        late.subscribe(
                1, "local/#", option(1, false, RetainedHandlingPolicy.SEND_AT_SUBSCRIBE), MqttProperties.NO_PROPERTIES);
        pub.publish("local/marker", 0, 0, false, "marker");
        assertThat(text(late.nextPublish()))
                .as("nothing retained before the marker")
                .isEqualTo("marker");
    }

    @Test
    void retainHandling_0always_1onlyNew_2never() throws Exception {
        RawMqttClient pub = raw("pub");
        publishRetained(pub, "local/a", 0, 0, "kept");
        RawMqttClient sub = raw("sub");
        MqttProperties none = MqttProperties.NO_PROPERTIES;
        sub.subscribe(1, "local/a", option(0, false, RetainedHandlingPolicy.SEND_AT_SUBSCRIBE_IF_NOT_YET_EXISTS), none);
        assertThat(text(sub.nextPublish())).isEqualTo("kept");
        sub.subscribe(2, "local/a", option(0, false, RetainedHandlingPolicy.SEND_AT_SUBSCRIBE_IF_NOT_YET_EXISTS), none);
        sub.subscribe(3, "local/+", option(0, false, RetainedHandlingPolicy.DONT_SEND_AT_SUBSCRIBE), none);
        sub.subscribe(4, "local/a", option(0, false, RetainedHandlingPolicy.SEND_AT_SUBSCRIBE), none);
        MqttPublishMessage again = sub.nextPublish();
        assertThat(text(again)).isEqualTo("kept");
        assertThat(again.fixedHeader().isRetain()).isTrue();
        pub.publish("local/marker", 0, 0, false, "m");
        assertThat(text(sub.nextPublish())).as("only handling 0 re-sent it").isEqualTo("m");
    }

    @Test
    void retainAsPublished_keepsTheFlagOnLiveMessages_othersGetItCleared() throws Exception {
        RawMqttClient rap = raw("rap");
        RawMqttClient plain = raw("plain");
        rap.subscribe(
                1, "local/#", option(0, true, RetainedHandlingPolicy.SEND_AT_SUBSCRIBE), MqttProperties.NO_PROPERTIES);
        plain.subscribe(
                1, "local/#", option(0, false, RetainedHandlingPolicy.SEND_AT_SUBSCRIBE), MqttProperties.NO_PROPERTIES);
        publishRetained(raw("pub"), "local/x", 0, 0, "live");
        assertThat(rap.nextPublish().fixedHeader().isRetain()).isTrue();
        assertThat(plain.nextPublish().fixedHeader().isRetain()).isFalse();
    }

    @Test
    void retainedQos_isTheLowerOfPublishedAndGranted() throws Exception {
        publishRetained(raw("pub"), "local/q", 2, 1, "v");
        RawMqttClient sub = raw("sub");
        sub.subscribe(
                1, "local/q", option(1, false, RetainedHandlingPolicy.SEND_AT_SUBSCRIBE), MqttProperties.NO_PROPERTIES);
        assertThat(sub.nextPublish().fixedHeader().qosLevel()).isEqualTo(MqttQoS.AT_LEAST_ONCE);
    }

    @Test
    void dollarTopic_retained_notSentToHashOrSharedSubscriptions() throws Exception {
        RawMqttClient pub = raw("pub");
        publishRetained(pub, "$edge/version", 1, 1, "1.0");
        publishRetained(pub, "local/v", 1, 2, "2.0");
        RawMqttClient hash = raw("hash");
        hash.subscribe(
                1, "#", option(0, false, RetainedHandlingPolicy.SEND_AT_SUBSCRIBE), MqttProperties.NO_PROPERTIES);
        assertThat(text(hash.nextPublish())).isEqualTo("2.0");
        RawMqttClient dollar = raw("dollar");
        dollar.subscribe(
                1, "$edge/#", option(0, false, RetainedHandlingPolicy.SEND_AT_SUBSCRIBE), MqttProperties.NO_PROPERTIES);
        assertThat(text(dollar.nextPublish())).isEqualTo("1.0");
        RawMqttClient shared = raw("shared");
        shared.subscribe(
                1,
                "$share/g/local/#",
                option(0, false, RetainedHandlingPolicy.SEND_AT_SUBSCRIBE),
                MqttProperties.NO_PROPERTIES);
        pub.publish("local/marker", 0, 0, false, "m");
        assertThat(text(shared.nextPublish()))
                .as("no retained message for a shared subscription")
                .isEqualTo("m");
        assertThat(hash.received())
                .allSatisfy(p -> assertThat(
                                ((MqttPublishMessage) p).variableHeader().topicName())
                        .doesNotStartWith("$"));
    }

    @Test
    void forwardedTopic_retainedOnlyOnceStored() throws Exception {
        server.close();
        ManualSink sink = ManualSink.manual();
        server = TestServer.start(sink, b -> {});
        RawMqttClient pub = raw("pub");
        publishRetained(pub, "tributary/g/d/state", 0, 0, "refused");
        await().until(() -> sink.size() == 1);
        sink.offer(0).future().complete(SinkResult.FAILED);
        publishRetained(pub, "tributary/g/d/state", 0, 0, "stored");
        await().until(() -> sink.size() == 2);
        sink.offer(1).future().complete(SinkResult.STORED);
        await().until(() -> server.registry
                        .get("tributary.edge.mqtt.retained.messages")
                        .gauge()
                        .value()
                == 1);
        RawMqttClient sub = raw("sub");
        sub.subscribe(
                1,
                "tributary/#",
                option(0, false, RetainedHandlingPolicy.SEND_AT_SUBSCRIBE),
                MqttProperties.NO_PROPERTIES);
        assertThat(text(sub.nextPublish())).isEqualTo("stored");
    }

    @Test
    void hivemq5_connackSaysRetainAvailable_andRetainedArrivesFlagged() {
        Mqtt5BlockingClient pub = server.hivemq5Unconnected("pub");
        assertThat(TestServer.logIn(pub).getRestrictions().isRetainAvailable()).isTrue();
        pub.publishWith()
                .topic("local/h")
                .retain(true)
                .qos(MqttQos.AT_LEAST_ONCE)
                .payload(new byte[] {7})
                .send();
        Mqtt5Publish p = firstOnLocalTopics();
        assertThat(p.isRetain()).isTrue();
        assertThat(p.getPayloadAsBytes()).containsExactly(7);
    }

    @Test
    void paho311_retained_arrivesFlagged() throws Exception {
        publishRetained(raw("pub"), "local/p", 1, 1, "paho");
        org.eclipse.paho.client.mqttv3.MqttClient paho = server.paho3("paho3");
        BlockingQueue<String> got = new LinkedBlockingQueue<>();
        paho.subscribe("local/#", 1, (topic, m) -> got.add(m + " retained=" + m.isRetained()));
        assertThat(got.poll(10, TimeUnit.SECONDS)).isEqualTo("paho retained=true");
        paho.disconnect();
        paho.close();
    }

    private static TestServer durable(Path state) throws Exception {
        return TestServer.start(
                ManualSink.automatic(),
                b -> b.forward(java.util.List.of("tributary/#")).stateDirectory(state));
    }

    @Test
    void durable_hivemq5Retained_survivesARestart_withItsProperties(@TempDir Path state) throws Exception {
        server.close();
        server = durable(state);
        Mqtt5BlockingClient pub = server.hivemq5("pub");
        pub.publishWith()
                .topic("local/door")
                .retain(true)
                .qos(MqttQos.AT_LEAST_ONCE)
                .contentType("text/plain")
                .payload("open".getBytes(StandardCharsets.UTF_8))
                .send(); // returns on PUBACK: the journal holds it
        pub.disconnect();
        server.close();
        server = durable(state);
        Mqtt5Publish p = firstOnLocalTopics();
        assertThat(p.isRetain()).isTrue();
        assertThat(new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8)).isEqualTo("open");
        assertThat(p.getContentType())
                .hasValueSatisfying(t -> assertThat(t.toString()).isEqualTo("text/plain"));
        assertThat(server.registry.get("tributary.edge.mqtt.retained.rebuilds").counters().stream()
                        .mapToDouble(c -> c.count())
                        .sum())
                .as("a clean restart does not rebuild")
                .isZero();
    }

    @Test
    void manyRetained_newWildcardSubscriber_getsEveryOne_beyondTheSubscriberQueue_beforeNewerLiveMessages()
            throws Exception {
        int topics = 5_000;
        try (TestServer small = TestServer.start(
                ManualSink.automatic(),
                b -> b.forward(java.util.List.of("tributary/#")).subscriberQueue(50))) {
            com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient pub =
                    small.hivemq5("pub").toAsync();
            java.util.List<java.util.concurrent.CompletableFuture<?>> acks = new java.util.ArrayList<>();
            for (int i = 0; i < topics; i++) {
                acks.add(pub.publishWith()
                        .topic("local/t/" + i)
                        .qos(com.hivemq.client.mqtt.datatypes.MqttQos.AT_LEAST_ONCE)
                        .retain(true)
                        .payload(("r" + i).getBytes(StandardCharsets.UTF_8))
                        .send());
            }
            java.util.concurrent.CompletableFuture.allOf(acks.toArray(new java.util.concurrent.CompletableFuture[0]))
                    .get(60, java.util.concurrent.TimeUnit.SECONDS);

            BlockingQueue<Mqtt5Publish> got = new LinkedBlockingQueue<>();
            small.hivemq5("sub")
                    .toAsync()
                    .subscribeWith()
                    .topicFilter("local/#")
                    .qos(com.hivemq.client.mqtt.datatypes.MqttQos.AT_LEAST_ONCE)
                    .callback(got::add)
                    .send()
                    .join();
            pub.publishWith()
                    .topic("local/t/0")
                    .qos(com.hivemq.client.mqtt.datatypes.MqttQos.AT_LEAST_ONCE)
                    .payload("live".getBytes(StandardCharsets.UTF_8))
                    .send()
                    .join();

            java.util.List<String> seen = new java.util.ArrayList<>();
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                for (Mqtt5Publish p = got.poll(); p != null; p = got.poll()) {
                    seen.add(p.getTopic() + "="
                            + StandardCharsets.UTF_8.decode(p.getPayload().orElseThrow()));
                }
                return seen.size() >= topics + 1;
            });
            assertThat(new java.util.HashSet<>(seen)).hasSize(topics + 1);
            assertThat(seen.indexOf("local/t/0=r0"))
                    .as("the retained value before the newer live one")
                    .isLessThan(seen.indexOf("local/t/0=live"));
            assertThat(small.count("tributary.edge.mqtt.deliveries.dropped", "reason", "queue_full"))
                    .isZero();
        }
    }

    /** A wildcard subscription's retained messages are read off the event loop; a live message still comes after. */
    @Test
    void durable_wildcardReplay_comesBeforeALiveMessagePublishedRightAfterTheSuback(@TempDir Path state)
            throws Exception {
        server.close();
        server = durable(state);
        try (RawMqttClient pub = raw("pub");
                RawMqttClient sub = raw("sub")) {
            for (int i = 0; i < 2_000; i++) {
                publishRetained(pub, "local/many/" + i, 1, 1 + i % 60_000, "old-" + i);
            }
            sub.send(MqttMessageBuilders.subscribe()
                    .messageId(1)
                    .addSubscription("local/#", option(0, false, RetainedHandlingPolicy.SEND_AT_SUBSCRIBE))
                    .build());
            assertThat(sub.next().fixedHeader().messageType()).isEqualTo(MqttMessageType.SUBACK);
            pub.publish("local/many/1999", 0, 0, false, "live");
            List<String> got = new ArrayList<>();
            for (int i = 0; i < 2_001; i++) {
                got.add(text(sub.nextPublish()));
            }
            assertThat(got.subList(0, 2_000))
                    .allMatch(p -> p.startsWith("old-"))
                    .doesNotHaveDuplicates();
            assertThat(got.get(2_000)).isEqualTo("live");
        }
    }
}
