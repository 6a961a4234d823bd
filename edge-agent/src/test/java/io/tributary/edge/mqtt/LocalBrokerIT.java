package io.tributary.edge.mqtt;

import static io.tributary.edge.mqtt.TestServer.PASSWORD;
import static io.tributary.edge.mqtt.TestServer.USER;
import static io.tributary.edge.mqtt.TestServer.packetId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubscriptionOption;
import io.netty.handler.codec.mqtt.MqttSubscriptionOption.RetainedHandlingPolicy;
import io.netty.handler.codec.mqtt.MqttVersion;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Packet-level behaviour of the local broker: delivery timing, QoS flows, windows, queues and filter refusals. */
class LocalBrokerIT {

    private static final String TELEMETRY = "tributary/plant-1/press-7/temp";
    private TestServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private RawMqttClient client(String id, MqttVersion version) throws Exception {
        return client(id, version, MqttProperties.NO_PROPERTIES);
    }

    private RawMqttClient client(String id, MqttVersion version, MqttProperties props) throws Exception {
        RawMqttClient c = RawMqttClient.to(server.address());
        assertThat(c.connect(version, id, USER, PASSWORD, props)).isEqualTo(MqttConnectReturnCode.CONNECTION_ACCEPTED);
        return c;
    }

    private static MqttSubscriptionOption qos(int qos) {
        return MqttSubscriptionOption.onlyFromQos(MqttQoS.valueOf(qos));
    }

    private static String text(MqttPublishMessage p) {
        return p.payload().toString(StandardCharsets.UTF_8);
    }

    private void start(ManualSink sink, Consumer<MqttServerConfig.Builder> tweak) throws Exception {
        server = TestServer.start(sink, tweak);
    }

    @Test
    void forwardedTopic_deliveredOnlyOnceTheSinkStoredIt() throws Exception {
        ManualSink sink = ManualSink.manual();
        start(sink, b -> {});
        RawMqttClient sub = client("sub", MqttVersion.MQTT_5);
        assertThat(sub.subscribe(1, "tributary/#", qos(1), MqttProperties.NO_PROPERTIES))
                .containsExactly(1);
        RawMqttClient pub = client("pub", MqttVersion.MQTT_5);
        pub.publish(TELEMETRY, 1, 1, false, "71.5");
        await().until(() -> sink.size() == 1);
        assertThat(sub.received()).as("nothing before the buffer's fsync").isEmpty();
        sink.offer(0).future().complete(SinkResult.STORED);
        MqttPublishMessage got = sub.nextPublish();
        assertThat(text(got)).isEqualTo("71.5");
        assertThat(got.variableHeader().topicName()).isEqualTo(TELEMETRY);
        assertThat(packetId(pub.next())).isEqualTo(1);
    }

    @Test
    void forwardedTopic_refusedBySink_notDelivered() throws Exception {
        start(ManualSink.automatic().answering(SinkResult.QUOTA_EXCEEDED), b -> b.forward(List.of("tributary/#")));
        RawMqttClient sub = client("sub", MqttVersion.MQTT_5);
        sub.subscribe(1, "#", qos(1), MqttProperties.NO_PROPERTIES);
        RawMqttClient pub = client("pub", MqttVersion.MQTT_5);
        pub.publish(TELEMETRY, 1, 1, false, "refused");
        assertThat(TestServer.reasonCode(pub.next())).isEqualTo(0x97);
        pub.publish("local/x", 0, 0, false, "local after");
        assertThat(text(sub.nextPublish())).as("only the local one").isEqualTo("local after");
    }

    @Test
    void localTopic_deliveredAndAcked_neverReachesTheSink() throws Exception {
        start(ManualSink.manual(), b -> b.forward(List.of("tributary/#")));
        RawMqttClient sub = client("sub", MqttVersion.MQTT_3_1_1);
        sub.subscribe(1, "local/+/state", qos(2), MqttProperties.NO_PROPERTIES);
        RawMqttClient pub = client("pub", MqttVersion.MQTT_3_1_1);
        pub.publish("local/door/state", 1, 5, false, "open");
        assertThat(packetId(pub.next())).isEqualTo(5);
        assertThat(text(sub.nextPublish())).isEqualTo("open");
        assertThat(server.sink.size()).isZero();
    }

    @ParameterizedTest(name = "publish QoS {0}, granted QoS {1} -> delivered at QoS {2}")
    @CsvSource({"2,0,0", "2,1,1", "1,2,1", "0,2,0", "2,2,2"})
    void deliveredQos_isTheLowerOfPublishAndGranted(int published, int granted, int expected) throws Exception {
        start(ManualSink.automatic(), b -> {});
        RawMqttClient sub = client("sub", MqttVersion.MQTT_5);
        assertThat(sub.subscribe(1, "tributary/+/+/temp", qos(granted), MqttProperties.NO_PROPERTIES))
                .containsExactly(granted);
        RawMqttClient pub = client("pub", MqttVersion.MQTT_5);
        pub.publish(TELEMETRY, published, 1, false, "v");
        assertThat(sub.nextPublish().fixedHeader().qosLevel().value()).isEqualTo(expected);
    }

    @Test
    void qos2_toSubscriber_exactlyOnce_evenWhenThePublisherRedelivers() throws Exception {
        start(ManualSink.automatic(), b -> b.forward(List.of("tributary/#")));
        RawMqttClient sub = client("sub", MqttVersion.MQTT_5);
        sub.subscribe(1, "local/q2", qos(2), MqttProperties.NO_PROPERTIES);
        RawMqttClient pub = client("pub", MqttVersion.MQTT_5);
        pub.publish("local/q2", 2, 7, false, "once");
        assertThat(pub.next().fixedHeader().messageType()).isEqualTo(MqttMessageType.PUBREC);
        pub.publish("local/q2", 2, 7, true, "once"); // DUP before PUBREL: the same message
        assertThat(pub.next().fixedHeader().messageType()).isEqualTo(MqttMessageType.PUBREC);
        pub.pubRel(7);
        assertThat(pub.next().fixedHeader().messageType()).isEqualTo(MqttMessageType.PUBCOMP);

        MqttPublishMessage got = sub.nextPublish();
        assertThat(got.fixedHeader().qosLevel()).isEqualTo(MqttQoS.EXACTLY_ONCE);
        int id = got.variableHeader().packetId();
        sub.reply(MqttMessageType.PUBREC, id);
        MqttMessage rel = sub.next();
        assertThat(rel.fixedHeader().messageType()).isEqualTo(MqttMessageType.PUBREL);
        assertThat(packetId(rel)).isEqualTo(id);
        sub.reply(MqttMessageType.PUBCOMP, id);
        pub.publish("local/q2", 0, 0, false, "marker");
        assertThat(text(sub.nextPublish()))
                .as("no second copy before the marker")
                .isEqualTo("marker");
    }

    @Test
    void overlappingSubscriptions_oneCopy_maxQos_everySubscriptionIdentifier() throws Exception {
        start(ManualSink.automatic(), b -> {});
        RawMqttClient sub = client("sub", MqttVersion.MQTT_5);
        sub.subscribe(1, "tributary/#", qos(0), subscriptionId(11));
        sub.subscribe(2, "tributary/+/press-7/+", qos(1), subscriptionId(22));
        sub.subscribe(3, TELEMETRY, qos(2), MqttProperties.NO_PROPERTIES);
        RawMqttClient pub = client("pub", MqttVersion.MQTT_5);
        pub.publish(TELEMETRY, 2, 1, false, "v");
        MqttPublishMessage got = sub.nextPublish();
        assertThat(got.fixedHeader().qosLevel()).isEqualTo(MqttQoS.EXACTLY_ONCE);
        assertThat(got.variableHeader().properties().getProperties(MqttProperties.SUBSCRIPTION_IDENTIFIER))
                .extracting(p -> (Integer) p.value())
                .containsExactlyInAnyOrder(11, 22);
        sub.reply(MqttMessageType.PUBREC, got.variableHeader().packetId());
        sub.next(); // PUBREL
        pub.publish(TELEMETRY, 0, 0, false, "marker");
        assertThat(text(sub.nextPublish())).as("one copy only").isEqualTo("marker");
    }

    @Test
    void receiveMaximum_limitsUnacknowledgedDeliveries() throws Exception {
        start(ManualSink.automatic(), b -> {});
        MqttProperties props = new MqttProperties();
        props.add(new MqttProperties.IntegerProperty(MqttProperties.RECEIVE_MAXIMUM, 2));
        RawMqttClient sub = client("sub", MqttVersion.MQTT_5, props);
        sub.subscribe(1, "tributary/#", qos(1), MqttProperties.NO_PROPERTIES);
        RawMqttClient pub = client("pub", MqttVersion.MQTT_5);
        for (int i = 1; i <= 5; i++) {
            pub.publish(TELEMETRY, 1, i, false, "m" + i);
            pub.next();
        }
        MqttPublishMessage first = sub.nextPublish();
        assertThat(text(first)).isEqualTo("m1");
        assertThat(text(sub.nextPublish())).isEqualTo("m2");
        await().during(java.time.Duration.ofMillis(300))
                .until(() -> sub.received().isEmpty());
        sub.reply(MqttMessageType.PUBACK, first.variableHeader().packetId());
        assertThat(text(sub.nextPublish()))
                .as("one more once one is acknowledged")
                .isEqualTo("m3");
        assertThat(sub.received()).isEmpty();
    }

    @Test
    void slowSubscriber_doesNotBlockPublishers_dropsAreCounted() throws Exception {
        start(ManualSink.automatic(), b -> b.subscriberQueue(10).subscriberInFlight(1));
        RawMqttClient slow = client("slow", MqttVersion.MQTT_3_1_1);
        slow.subscribe(1, "tributary/#", qos(1), MqttProperties.NO_PROPERTIES); // never acknowledges
        RawMqttClient pub = client("pub", MqttVersion.MQTT_3_1_1);
        for (int i = 1; i <= 200; i++) {
            pub.publish(TELEMETRY, 1, i, false, "m" + i);
        }
        for (int i = 1; i <= 200; i++) {
            assertThat(packetId(pub.next())).isEqualTo(i);
        }
        await().until(() -> server.count("tributary.edge.mqtt.deliveries.dropped", "reason", "queue_full") > 0);
        double dropped = server.count("tributary.edge.mqtt.deliveries.dropped", "reason", "queue_full");
        assertThat(dropped).isBetween(189.0, 190.0); // 1 in flight + 10 queued; the rest dropped, each counted
        slow.close();
        await().until(() ->
                server.count("tributary.edge.mqtt.deliveries.dropped", "reason", "disconnected") + dropped == 200);
    }

    @Test
    void messageExpiry_passedWhileQueued_droppedAndCounted_remainingIntervalSentOtherwise() throws Exception {
        io.tributary.testsupport.MutableClock clock = new io.tributary.testsupport.MutableClock(1_000_000);
        server = TestServer.start(ManualSink.automatic(), clock, b -> b.subscriberInFlight(1));
        RawMqttClient sub = client("sub", MqttVersion.MQTT_5);
        sub.subscribe(1, "tributary/#", qos(1), MqttProperties.NO_PROPERTIES);
        RawMqttClient pub = client("pub", MqttVersion.MQTT_5);
        for (String payload : List.of("first", "expires", "lives")) {
            MqttProperties expiry = new MqttProperties();
            expiry.add(new MqttProperties.IntegerProperty(
                    MqttProperties.PUBLICATION_EXPIRY_INTERVAL, payload.equals("expires") ? 10 : 100));
            pub.send(io.netty.handler.codec.mqtt.MqttMessageBuilders.publish()
                    .topicName(TELEMETRY)
                    .qos(MqttQoS.AT_LEAST_ONCE)
                    .messageId(payload.length())
                    .properties(expiry)
                    .payload(io.netty.buffer.Unpooled.copiedBuffer(payload, StandardCharsets.UTF_8))
                    .build());
            pub.next();
        }
        MqttPublishMessage first = sub.nextPublish(); // the window of 1 holds the other two in the queue
        clock.advance(java.time.Duration.ofSeconds(30));
        sub.reply(MqttMessageType.PUBACK, first.variableHeader().packetId());
        MqttPublishMessage next = sub.nextPublish();
        assertThat(text(next)).isEqualTo("lives");
        assertThat(next.variableHeader()
                        .properties()
                        .getProperty(MqttProperties.PUBLICATION_EXPIRY_INTERVAL)
                        .value())
                .as("what is left of 100 s after 30 s")
                .isEqualTo(70);
        assertThat(server.count("tributary.edge.mqtt.deliveries.dropped", "reason", "expired"))
                .isEqualTo(1);
    }

    @Test
    void nulInAFilter_malformedPacket_disconnected() throws Exception {
        start(ManualSink.automatic(), b -> {});
        RawMqttClient v5 = client("v5", MqttVersion.MQTT_5);
        v5.sendBytes(RawPackets.subscribeV5(1, new byte[0], "a\u0000b", 1));
        MqttMessage answer = v5.next();
        assertThat(answer.fixedHeader().messageType()).isEqualTo(MqttMessageType.DISCONNECT);
        assertThat(((io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader) answer.variableHeader())
                                .reasonCode()
                        & 0xff)
                .isEqualTo(0x81);
        v5.awaitClosed();
        server.assertStillServes();
    }

    @Test
    void hostileFilters_refusedPerFilter_connectionKept() throws Exception {
        start(ManualSink.automatic(), b -> {});
        RawMqttClient v5 = client("v5", MqttVersion.MQTT_5);
        for (String bad : List.of("a/#/b", "a/b#", "$share/g", "$share//x", "x/".repeat(32 * 1024 - 1) + "y")) {
            assertThat(v5.subscribe(1, bad, qos(1), MqttProperties.NO_PROPERTIES))
                    .as(bad.length() > 40 ? "a 64 KiB filter" : bad)
                    .containsExactly(0x8F);
        }
        assertThat(v5.subscribe(2, "a//b", qos(1), MqttProperties.NO_PROPERTIES))
                .as("empty levels are valid")
                .containsExactly(1);
        RawMqttClient v3 = client("v3", MqttVersion.MQTT_3_1_1);
        assertThat(v3.subscribe(3, "+a", qos(0), MqttProperties.NO_PROPERTIES)).containsExactly(0x80);
        assertThat(server.count("tributary.edge.mqtt.subscriptions.refused", "reason", "filter_invalid"))
                .isEqualTo(6);
        assertThat(v5.isOpen() && v3.isOpen()).isTrue();
    }

    @Test
    void noLocalOnSharedSubscription_protocolError_noFilterOfThePacketTakesEffect() throws Exception {
        start(ManualSink.automatic(), b -> {});
        MqttProperties keepSession = new MqttProperties();
        keepSession.add(new MqttProperties.IntegerProperty(MqttProperties.SESSION_EXPIRY_INTERVAL, 60));
        RawMqttClient v5 = client("v5", MqttVersion.MQTT_5, keepSession);
        v5.send(io.netty.handler.codec.mqtt.MqttMessageBuilders.subscribe()
                .messageId(1)
                .addSubscription("valid/+", qos(1))
                .addSubscription(
                        "$share/g/a",
                        new MqttSubscriptionOption(
                                MqttQoS.AT_LEAST_ONCE, true, false, RetainedHandlingPolicy.SEND_AT_SUBSCRIBE))
                .build());
        MqttMessage answer = v5.next();
        assertThat(answer.fixedHeader().messageType()).isEqualTo(MqttMessageType.DISCONNECT);
        assertThat(((io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader) answer.variableHeader())
                                .reasonCode()
                        & 0xff)
                .isEqualTo(0x82);
        v5.awaitClosed();
        assertThat(server.registry
                        .get("tributary.edge.mqtt.subscriptions")
                        .gauge()
                        .value())
                .as("the session outlives the connection; the valid filter of the refused packet was not added")
                .isZero();
    }

    @Test
    void subscriptionsGauge_followsSubscribeUnsubscribeAndDisconnect() throws Exception {
        start(ManualSink.automatic(), b -> {});
        RawMqttClient c = client("c", MqttVersion.MQTT_5);
        c.subscribe(1, "a/+", qos(0), MqttProperties.NO_PROPERTIES);
        c.subscribe(2, "$share/g/b", qos(0), MqttProperties.NO_PROPERTIES);
        assertThat(server.registry
                        .get("tributary.edge.mqtt.subscriptions")
                        .gauge()
                        .value())
                .isEqualTo(2);
        c.send(io.netty.handler.codec.mqtt.MqttMessageBuilders.unsubscribe()
                .messageId(3)
                .addTopicFilter("a/+")
                .addTopicFilter("never/subscribed")
                .build());
        MqttMessage unsubAck = c.next();
        assertThat(((io.netty.handler.codec.mqtt.MqttUnsubAckMessage) unsubAck)
                        .payload()
                        .unsubscribeReasonCodes())
                .containsExactly((short) 0x00, (short) 0x11);
        c.close();
        await().until(() ->
                server.registry.get("tributary.edge.mqtt.subscriptions").gauge().value() == 0);
    }

    private static MqttProperties subscriptionId(int id) {
        MqttProperties props = new MqttProperties();
        props.add(new MqttProperties.IntegerProperty(MqttProperties.SUBSCRIPTION_IDENTIFIER, id));
        return props;
    }
}
