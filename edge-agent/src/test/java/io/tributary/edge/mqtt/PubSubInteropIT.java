package io.tributary.edge.mqtt;

import static io.tributary.edge.mqtt.TestServer.PASSWORD;
import static io.tributary.edge.mqtt.TestServer.USER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PayloadFormatIndicator;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/**
 * The local broker with the HiveMQ MQTT client (5 and 3.1.1) and Paho (3.1.1 and 5): a test per normative behaviour
 * (No Local, shared subscription spreading, {@code $} topics, what MQTT 5 passes through, the CONNACK's
 * capabilities).
 */
class PubSubInteropIT {

    private static final String TELEMETRY = "tributary/plant-1/press-7/temp";

    @AutoClose
    private TestServer server = TestServer.localBroker();

    private Mqtt5BlockingClient hivemq5(String id) {
        return server.hivemq5(id);
    }

    private Mqtt3BlockingClient hivemq3(String id) {
        return server.hivemq3(id);
    }

    private static String text(Mqtt5Publish p) {
        return new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8);
    }

    @Test
    void hivemq5_connack_advertisesWhatIsSupported() {
        Mqtt5BlockingClient client = server.hivemq5Unconnected("caps");
        Mqtt5ConnAck connAck = TestServer.logIn(client);
        var restrictions = connAck.getRestrictions();
        assertThat(restrictions.isWildcardSubscriptionAvailable()).isTrue();
        assertThat(restrictions.areSubscriptionIdentifiersAvailable()).isTrue();
        assertThat(restrictions.isSharedSubscriptionAvailable()).isTrue();
        assertThat(restrictions.getTopicAliasMaximum()).isEqualTo(10); // mqtt.topic-alias-maximum
        client.disconnect();
    }

    @Test
    void hivemq5_userPropertiesAndFriends_passedThroughToTheSubscriber() {
        Mqtt5BlockingClient sub = hivemq5("sub");
        BlockingQueue<Mqtt5Publish> got = new LinkedBlockingQueue<>();
        sub.toAsync()
                .subscribeWith()
                .topicFilter("local/#")
                .qos(MqttQos.AT_LEAST_ONCE)
                .callback(got::add)
                .send()
                .join();
        Mqtt5BlockingClient pub = hivemq5("pub");
        pub.publishWith()
                .topic("local/rpc/request")
                .qos(MqttQos.AT_LEAST_ONCE)
                .payload("{\"ping\":1}".getBytes(StandardCharsets.UTF_8))
                .contentType("application/json")
                .payloadFormatIndicator(Mqtt5PayloadFormatIndicator.UTF_8)
                .responseTopic("local/rpc/reply")
                .correlationData("c-42".getBytes(StandardCharsets.UTF_8))
                .messageExpiryInterval(3600)
                .userProperties()
                .add("unit", "C")
                .add("unit", "F")
                .applyUserProperties()
                .send();
        Mqtt5Publish p = await().until(got::poll, java.util.Objects::nonNull);
        assertThat(text(p)).isEqualTo("{\"ping\":1}");
        assertThat(p.getContentType())
                .hasValueSatisfying(c -> assertThat(c.toString()).isEqualTo("application/json"));
        assertThat(p.getPayloadFormatIndicator()).contains(Mqtt5PayloadFormatIndicator.UTF_8);
        assertThat(p.getResponseTopic())
                .hasValueSatisfying(t -> assertThat(t.toString()).isEqualTo("local/rpc/reply"));
        assertThat(p.getCorrelationData()
                        .map(b -> StandardCharsets.UTF_8.decode(b).toString()))
                .contains("c-42");
        assertThat(p.getMessageExpiryInterval().orElseThrow()).isBetween(3590L, 3600L);
        assertThat(p.getUserProperties().asList())
                .extracting(u -> u.getName() + "=" + u.getValue())
                .containsExactly("unit=C", "unit=F");
    }

    @Test
    void hivemq5_noLocal_ownPublishesNotDeliveredBack() {
        Mqtt5BlockingClient me = hivemq5("me");
        Mqtt5BlockingClient other = hivemq5("other");
        BlockingQueue<Mqtt5Publish> mine = new LinkedBlockingQueue<>();
        BlockingQueue<Mqtt5Publish> theirs = new LinkedBlockingQueue<>();
        me.toAsync()
                .subscribeWith()
                .topicFilter("local/chat")
                .noLocal(true)
                .callback(mine::add)
                .send()
                .join();
        other.toAsync()
                .subscribeWith()
                .topicFilter("local/chat")
                .noLocal(true)
                .callback(theirs::add)
                .send()
                .join();
        me.publishWith()
                .topic("local/chat")
                .payload("from me".getBytes(StandardCharsets.UTF_8))
                .send();
        other.publishWith()
                .topic("local/chat")
                .payload("from other".getBytes(StandardCharsets.UTF_8))
                .send();
        await().until(() -> mine.size() == 1 && theirs.size() == 1);
        assertThat(text(mine.peek())).isEqualTo("from other");
        assertThat(text(theirs.peek())).isEqualTo("from me");
    }

    @Test
    void hivemq5_sharedSubscription_eachMessageToOneMember_spreadOverAll() {
        Map<String, BlockingQueue<Mqtt5Publish>> members = Map.of(
                "w1",
                new LinkedBlockingQueue<>(),
                "w2",
                new LinkedBlockingQueue<>(),
                "w3",
                new LinkedBlockingQueue<>());
        members.forEach((id, queue) -> hivemq5(id)
                .toAsync()
                .subscribeWith()
                .topicFilter("$share/workers/local/jobs/+")
                .qos(MqttQos.AT_LEAST_ONCE)
                .callback(queue::add)
                .send()
                .join());
        Mqtt5BlockingClient pub = hivemq5("dispatcher");
        for (int i = 0; i < 30; i++) {
            pub.publishWith()
                    .topic("local/jobs/" + i)
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(("job-" + i).getBytes(StandardCharsets.UTF_8))
                    .send();
        }
        await().until(() ->
                members.values().stream().mapToInt(BlockingQueue::size).sum() == 30);
        List<String> all = members.values().stream()
                .flatMap(q -> q.stream().map(PubSubInteropIT::text))
                .toList();
        assertThat(all).hasSize(30).doesNotHaveDuplicates();
        assertThat(members.values()).allSatisfy(q -> assertThat(q).hasSize(10)); // round robin, all available
    }

    @Test
    void hivemq3_dollarTopics_notMatchedByHash() {
        // two clients: one client's callbacks are matched client-side, which would hide what the server sent
        BlockingQueue<String> hash = new LinkedBlockingQueue<>();
        BlockingQueue<String> dollar = new LinkedBlockingQueue<>();
        hivemq3("all")
                .toAsync()
                .subscribeWith()
                .topicFilter("#")
                .callback(p -> hash.add(p.getTopic().toString()))
                .send()
                .join();
        hivemq3("sys")
                .toAsync()
                .subscribeWith()
                .topicFilter("$edge/+")
                .callback(p -> dollar.add(p.getTopic().toString()))
                .send()
                .join();
        Mqtt5BlockingClient pub = hivemq5("pub");
        pub.publishWith().topic("$edge/status").payload(new byte[] {1}).send();
        pub.publishWith().topic("local/status").payload(new byte[] {1}).send();
        await().until(() -> hash.size() + dollar.size() >= 2);
        assertThat(hash).containsExactly("local/status");
        assertThat(dollar).containsExactly("$edge/status");
    }

    @Test
    void paho311_subscribeQos1_receivesTelemetryOnceStored() throws Exception {
        org.eclipse.paho.client.mqttv3.MqttClient paho = server.paho3("paho3");
        BlockingQueue<String> got = new LinkedBlockingQueue<>();
        paho.subscribe("tributary/+/press-7/#", 1, (topic, m) -> got.add(topic + " q" + m.getQos() + " " + m));
        hivemq5("pub")
                .publishWith()
                .topic(TELEMETRY)
                .qos(MqttQos.EXACTLY_ONCE)
                .payload("71.5".getBytes(StandardCharsets.UTF_8))
                .send();
        assertThat(got.poll(10, TimeUnit.SECONDS)).isEqualTo(TELEMETRY + " q1 71.5");
        assertThat(server.sink.payloads()).containsExactly("71.5");
        paho.disconnect();
        paho.close();
    }

    @Test
    void paho5_subscribeQos2_receivesExactlyOnce() throws Exception {
        org.eclipse.paho.mqttv5.client.MqttClient paho = new org.eclipse.paho.mqttv5.client.MqttClient(
                server.uri(), "paho5", new org.eclipse.paho.mqttv5.client.persist.MemoryPersistence());
        org.eclipse.paho.mqttv5.client.MqttConnectionOptions options =
                new org.eclipse.paho.mqttv5.client.MqttConnectionOptions();
        options.setUserName(USER);
        options.setPassword(PASSWORD.getBytes(StandardCharsets.UTF_8));
        paho.connect(options);
        BlockingQueue<String> got = new LinkedBlockingQueue<>();
        paho.subscribe(
                new org.eclipse.paho.mqttv5.common.MqttSubscription[] {
                    new org.eclipse.paho.mqttv5.common.MqttSubscription("local/q2/#", 2)
                },
                new org.eclipse.paho.mqttv5.client.IMqttMessageListener[] {
                    (topic, m) -> got.add(topic + " q" + m.getQos() + " " + m)
                });
        Mqtt5BlockingClient pub = hivemq5("pub");
        for (int i = 0; i < 20; i++) {
            pub.publishWith()
                    .topic("local/q2/" + i)
                    .qos(MqttQos.EXACTLY_ONCE)
                    .payload(("m" + i).getBytes(StandardCharsets.UTF_8))
                    .send();
        }
        await().until(() -> got.size() >= 20);
        assertThat(got.stream().collect(Collectors.toMap(Function.identity(), s -> 1, Integer::sum)))
                .hasSize(20)
                .allSatisfy((message, copies) -> assertThat(copies).isEqualTo(1));
        assertThat(got).allMatch(s -> s.contains(" q2 "));
        paho.disconnect();
        paho.close();
    }
}
