package io.tributary.edge.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5SubAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAckReasonCode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.tributary.edge.mqtt.auth.AccessConfig;
import io.tributary.edge.mqtt.auth.AclFile;
import io.tributary.edge.mqtt.auth.Limits;
import io.tributary.edge.mqtt.auth.PasswordFile;
import io.tributary.edge.mqtt.auth.PasswordHash;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Identity, ACLs and limits on the MQTT listener, with the HiveMQ client (MQTT 5) and Paho (MQTT 3.1.1): a device
 * cannot publish or subscribe to another device's topics under any client id, whatever is not allowed is refused
 * with the right reason code and counted, per-group rules apply to members only, and the limits hold.
 */
class AccessControlIT {

    static final String ACL = """
            groups:
              plant-1:
                members: [press-7, press-8]
                publish: ["tributary/{group}/{device}/#"]
                subscribe: ["local/{group}/#", "tributary/{group}/{device}/#"]
            identities:
              dashboard:
                subscribe: ["tributary/#"]
            everyone:
              publish: ["local/{group}/{device}/#"]
            """;

    @TempDir
    Path dir;

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final ManualSink sink = ManualSink.automatic();
    private MqttServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    static PasswordFile passwords() {
        // few iterations: the tests log in often; the cost is PasswordFileTest's business
        return PasswordFile.of(Map.of(
                "press-7", PasswordHash.create("p7".toCharArray(), 1000),
                "press-8", PasswordHash.create("p8".toCharArray(), 1000),
                "dashboard", PasswordHash.create("dash".toCharArray(), 1000)));
    }

    private int start(UnaryOperator<AccessConfig> access) throws Exception {
        Path acl = dir.resolve("acl.yaml");
        Files.writeString(acl, ACL);
        AccessConfig config =
                access.apply(AccessConfig.passwordsOnly(passwords()::verify).withAcl(AclFile.load(acl)));
        server = new MqttServer(
                MqttServerConfig.builder()
                        .port(0)
                        .ioThreads(1)
                        .forward(List.of("tributary/#"))
                        .connectTimeout(Duration.ofSeconds(5))
                        .build(),
                config,
                sink,
                registry,
                Clock.systemUTC());
        server.start();
        return server.plainAddress().orElseThrow().getPort();
    }

    private Mqtt5BlockingClient hivemq(int port, String clientId) {
        return com.hivemq.client.mqtt.MqttClient.builder()
                .useMqttVersion5()
                .identifier(clientId)
                .serverHost("127.0.0.1")
                .serverPort(port)
                .buildBlocking();
    }

    private static void logIn(Mqtt5BlockingClient client, String user, String password) {
        client.connectWith()
                .simpleAuth()
                .username(user)
                .password(password.getBytes(StandardCharsets.UTF_8))
                .applySimpleAuth()
                .send();
    }

    private static Mqtt5PubAckReasonCode publishQos1(Mqtt5BlockingClient client, String topic) {
        try {
            Mqtt5PublishResult result = client.publishWith()
                    .topic(topic)
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload("{\"v\":1}".getBytes(StandardCharsets.UTF_8))
                    .send();
            return ((Mqtt5PublishResult.Mqtt5Qos1Result) result).getPubAck().getReasonCode();
        } catch (Mqtt5PubAckException e) {
            return e.getMqttMessage().getReasonCode();
        }
    }

    private double denied(String action, String reason) {
        return registry.get("tributary.edge.mqtt.access.denied")
                .tags("action", action, "reason", reason)
                .counter()
                .count();
    }

    @Test
    void mqtt5_deviceCannotPublishOrSubscribeToAnotherDevice_underAnyClientId() throws Exception {
        int port = start(a -> a);
        for (String clientId : List.of("press-7", "press-8", "dashboard", "tributary-press-8")) {
            Mqtt5BlockingClient press7 = hivemq(port, clientId);
            logIn(press7, "press-7", "p7");
            try {
                assertThat(publishQos1(press7, "tributary/plant-1/press-7/temp"))
                        .isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
                assertThat(publishQos1(press7, "tributary/plant-1/press-8/temp"))
                        .as("client id %s", clientId)
                        .isEqualTo(Mqtt5PubAckReasonCode.NOT_AUTHORIZED);
                assertThat(publishQos1(press7, "local/plant-1/press-8/x"))
                        .isEqualTo(Mqtt5PubAckReasonCode.NOT_AUTHORIZED);
                assertThat(publishQos1(press7, "local/plant-1/press-7/x")).isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
                for (String filter : List.of(
                        "tributary/plant-1/press-8/#",
                        "tributary/plant-1/+/temp",
                        "#",
                        "$share/g/tributary/plant-1/press-8/temp")) {
                    assertThatThrownBy(() ->
                                    press7.subscribeWith().topicFilter(filter).send())
                            .as(filter)
                            .isInstanceOfSatisfying(
                                    Mqtt5SubAckException.class,
                                    e -> assertThat(e.getMqttMessage().getReasonCodes())
                                            .containsExactly(Mqtt5SubAckReasonCode.NOT_AUTHORIZED));
                }
                assertThat(press7.subscribeWith()
                                .topicFilter("tributary/plant-1/press-7/#")
                                .send()
                                .getReasonCodes())
                        .containsExactly(Mqtt5SubAckReasonCode.GRANTED_QOS_2);
            } finally {
                press7.disconnect();
            }
        }
        assertThat(sink.offers()).extracting(o -> o.publish().topic()).containsOnly("tributary/plant-1/press-7/temp");
        assertThat(sink.offers()).extracting(o -> o.publish().username()).containsOnly("press-7");
        assertThat(denied("publish", "acl")).isEqualTo(8);
        assertThat(denied("subscribe", "acl")).isEqualTo(16);
    }

    @Test
    void mqtt5_groupRulesApplyToMembersOnly_andIdentityRulesToTheirIdentity() throws Exception {
        int port = start(a -> a);
        Mqtt5BlockingClient dashboard = hivemq(port, "dash");
        logIn(dashboard, "dashboard", "dash");
        assertThat(dashboard
                        .subscribeWith()
                        .topicFilter("tributary/+/+/temp")
                        .send()
                        .getReasonCodes())
                .containsExactly(Mqtt5SubAckReasonCode.GRANTED_QOS_2);
        assertThat(publishQos1(dashboard, "tributary/plant-1/dashboard/temp"))
                .as("not a member of plant-1")
                .isEqualTo(Mqtt5PubAckReasonCode.NOT_AUTHORIZED);
        assertThatThrownBy(() ->
                        dashboard.subscribeWith().topicFilter("local/plant-1/#").send())
                .isInstanceOf(Mqtt5SubAckException.class);
        dashboard.disconnect();
    }

    @Test
    void mqtt5_connectRefusals_badPasswordAndAWillItMayNotPublish() throws Exception {
        int port = start(a -> a);
        Mqtt5BlockingClient wrong = hivemq(port, "w");
        assertThatThrownBy(() -> logIn(wrong, "press-7", "p8"))
                .isInstanceOfSatisfying(
                        Mqtt5ConnAckException.class,
                        e -> assertThat(e.getMqttMessage().getReasonCode())
                                .isEqualTo(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD));
        Mqtt5BlockingClient willOfOther = hivemq(port, "will");
        assertThatThrownBy(() -> willOfOther
                        .connectWith()
                        .simpleAuth()
                        .username("press-7")
                        .password("p7".getBytes(StandardCharsets.UTF_8))
                        .applySimpleAuth()
                        .willPublish()
                        .topic("tributary/plant-1/press-8/status")
                        .payload("gone".getBytes(StandardCharsets.UTF_8))
                        .applyWillPublish()
                        .send())
                .isInstanceOfSatisfying(
                        Mqtt5ConnAckException.class,
                        e -> assertThat(e.getMqttMessage().getReasonCode())
                                .isEqualTo(Mqtt5ConnAckReasonCode.NOT_AUTHORIZED));
        Mqtt5BlockingClient anonymous = hivemq(port, "anon");
        assertThatThrownBy(() -> anonymous.connect())
                .isInstanceOfSatisfying(
                        Mqtt5ConnAckException.class,
                        e -> assertThat(e.getMqttMessage().getReasonCode())
                                .isEqualTo(Mqtt5ConnAckReasonCode.NOT_AUTHORIZED));
        assertThat(denied("connect", "bad_credentials")).isEqualTo(1);
        assertThat(denied("connect", "will_denied")).isEqualTo(1);
        assertThat(denied("connect", "not_authorized")).isEqualTo(1);
    }

    private MqttClient paho(int port, String clientId, String user, String password) throws MqttException {
        MqttClient paho = new MqttClient("tcp://127.0.0.1:" + port, clientId, new MemoryPersistence());
        MqttConnectOptions options = new MqttConnectOptions();
        options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        options.setUserName(user);
        options.setPassword(password.toCharArray());
        options.setAutomaticReconnect(false);
        options.setConnectionTimeout(5);
        paho.setTimeToWait(5000);
        paho.connect(options);
        return paho;
    }

    @Test
    void mqtt311_refusedSubscriptionGets0x80_andARefusedPublishClosesTheConnection() throws Exception {
        int port = start(a -> a);
        MqttClient press7 = paho(port, "press-8", "press-7", "p7");
        IMqttToken granted = press7.subscribeWithResponse(
                new String[] {"tributary/plant-1/press-7/#", "tributary/plant-1/press-8/#"}, new int[] {1, 1});
        assertThat(granted.getGrantedQos()).containsExactly(1, 0x80);
        press7.publish("tributary/plant-1/press-7/temp", "{\"v\":1}".getBytes(StandardCharsets.UTF_8), 1, false);
        assertThatThrownBy(() -> press7.publish(
                        "tributary/plant-1/press-8/temp", "{\"v\":2}".getBytes(StandardCharsets.UTF_8), 1, false))
                .isInstanceOf(MqttException.class);
        await().atMost(Duration.ofSeconds(10)).until(() -> !press7.isConnected());
        press7.close(true);
        assertThat(sink.offers())
                .extracting(o -> o.publish().topic())
                .containsExactly("tributary/plant-1/press-7/temp");
        assertThat(registry.get("tributary.edge.mqtt.disconnects")
                        .tags("reason", "not_authorized")
                        .counter()
                        .count())
                .isEqualTo(1);
        assertThatThrownBy(() -> paho(port, "x", "press-7", "nope"))
                .isInstanceOfSatisfying(
                        MqttException.class,
                        e -> assertThat(e.getReasonCode()).isEqualTo(MqttException.REASON_CODE_FAILED_AUTHENTICATION));
    }

    @Test
    void limits_connectionsPerIdentityAndGlobal_subscriptionsPerClient() throws Exception {
        int port = start(a -> a.withLimits(new Limits(3, 1, 0, 100, 2)));
        Mqtt5BlockingClient first = hivemq(port, "press-7-a");
        logIn(first, "press-7", "p7");
        Mqtt5BlockingClient second = hivemq(port, "press-7-b");
        assertThatThrownBy(() -> logIn(second, "press-7", "p7"))
                .isInstanceOfSatisfying(
                        Mqtt5ConnAckException.class,
                        e -> assertThat(e.getMqttMessage().getReasonCode())
                                .isEqualTo(Mqtt5ConnAckReasonCode.QUOTA_EXCEEDED));
        // the same client id takes its session over: not a second connection of the identity
        Mqtt5BlockingClient again = hivemq(port, "press-7-a");
        logIn(again, "press-7", "p7");
        await().atMost(Duration.ofSeconds(10)).until(() -> !first.getState().isConnected());
        Mqtt5BlockingClient press8 = hivemq(port, "press-8");
        logIn(press8, "press-8", "p8");
        Mqtt5BlockingClient dashboard = hivemq(port, "dash");
        logIn(dashboard, "dashboard", "dash");
        try (RawMqttClient fourth = RawMqttClient.to(server.plainAddress().orElseThrow())) {
            assertThat(fourth.connect(MqttVersion.MQTT_3_1_1, "d2", "dashboard", "dash"))
                    .isEqualTo(MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE);
        }
        assertThat(press8.subscribeWith().topicFilter("local/plant-1/a").send().getReasonCodes())
                .containsExactly(Mqtt5SubAckReasonCode.GRANTED_QOS_2);
        assertThat(press8.subscribeWith().topicFilter("local/plant-1/b").send().getReasonCodes())
                .containsExactly(Mqtt5SubAckReasonCode.GRANTED_QOS_2);
        assertThatThrownBy(() ->
                        press8.subscribeWith().topicFilter("local/plant-1/c").send())
                .isInstanceOfSatisfying(
                        Mqtt5SubAckException.class,
                        e -> assertThat(e.getMqttMessage().getReasonCodes())
                                .containsExactly(Mqtt5SubAckReasonCode.QUOTA_EXCEEDED));
        assertThat(press8.subscribeWith().topicFilter("local/plant-1/a").send().getReasonCodes())
                .as("re-subscribing a held filter is no new subscription")
                .containsExactly(Mqtt5SubAckReasonCode.GRANTED_QOS_2);
        assertThat(denied("connect", "identity_connection_limit")).isEqualTo(1);
        assertThat(denied("connect", "connection_limit")).isEqualTo(1);
        assertThat(denied("subscribe", "subscription_limit")).isEqualTo(1);
        again.disconnect();
        press8.disconnect();
        dashboard.disconnect();
    }

    @Test
    void throttledConnection_isNotDisconnectedForKeepAliveWhileItsReadsArePaused() throws Exception {
        int port = start(a -> a.withLimits(new Limits(10, 0, 0.5, 1, 10)));
        try (RawMqttClient raw = RawMqttClient.to(server.plainAddress().orElseThrow())) {
            raw.send(io.netty.handler.codec.mqtt.MqttMessageBuilders.connect()
                    .protocolVersion(MqttVersion.MQTT_5)
                    .clientId("press-7")
                    .cleanSession(true)
                    .keepAlive(1)
                    .hasUser(true)
                    .username("press-7")
                    .hasPassword(true)
                    .password("p7".getBytes(StandardCharsets.UTF_8))
                    .build());
            assertThat(((io.netty.handler.codec.mqtt.MqttConnAckMessage) raw.next())
                            .variableHeader()
                            .connectReturnCode())
                    .isEqualTo(MqttConnectReturnCode.CONNECTION_ACCEPTED);
            // burst 1 at 0.5/s: the second publish costs a 2 s pause, beyond the 1.5 s a 1 s keep-alive allows
            raw.publish("tributary/plant-1/press-7/t", 0, 0, false, "{}");
            raw.publish("tributary/plant-1/press-7/t", 0, 0, false, "{}");
            raw.publish("tributary/plant-1/press-7/t", 1, 7, false, "{}");
            assertThat(TestServer.packetId(raw.next())).isEqualTo(7);
            raw.send(io.netty.handler.codec.mqtt.MqttMessage.PINGREQ);
            assertThat(raw.next().fixedHeader().messageType())
                    .as("answered once the pause ends, not disconnected for keep-alive meanwhile")
                    .isEqualTo(io.netty.handler.codec.mqtt.MqttMessageType.PINGRESP);
        }
        assertThat(registry.get("tributary.edge.mqtt.publish.throttles")
                        .counter()
                        .count())
                .isPositive();
        assertThat(registry.find("tributary.edge.mqtt.disconnects")
                        .tags("reason", "keepalive_timeout")
                        .counter())
                .isNull();
    }

    @Test
    void publishRate_pausesReadsInsteadOfRefusing() throws Exception {
        int port = start(a -> a.withLimits(new Limits(10, 0, 50, 5, 10)));
        Mqtt5BlockingClient press7 = hivemq(port, "press-7");
        logIn(press7, "press-7", "p7");
        long start = System.nanoTime();
        for (int i = 0; i < 30; i++) {
            assertThat(publishQos1(press7, "tributary/plant-1/press-7/temp")).isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
        }
        long elapsedMs = (System.nanoTime() - start) / 1_000_000;
        // 5 at once, then 25 at 50/s: at least ~500 ms, all acknowledged
        assertThat(elapsedMs).isGreaterThanOrEqualTo(400);
        assertThat(sink.size()).isEqualTo(30);
        assertThat(registry.get("tributary.edge.mqtt.publish.throttles")
                        .counter()
                        .count())
                .isPositive();
        press7.disconnect();
    }
}
