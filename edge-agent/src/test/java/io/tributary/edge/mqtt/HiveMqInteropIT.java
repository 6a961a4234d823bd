package io.tributary.edge.mqtt;

import static io.tributary.edge.mqtt.TestServer.PASSWORD;
import static io.tributary.edge.mqtt.TestServer.USER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3ConnAckException;
import com.hivemq.client.mqtt.mqtt3.message.connect.connack.Mqtt3ConnAckReturnCode;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientBuilder;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HiveMQ MQTT client (5.0 and 3.1.1, plain and TLS) against the endpoint. */
class HiveMqInteropIT {

    private static final String TOPIC = "tributary/g/hivemq/";
    private TestServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private Mqtt5ClientBuilder v5(String id) {
        return MqttClient.builder()
                .useMqttVersion5()
                .identifier(id)
                .serverHost("127.0.0.1")
                .serverPort(server.address().getPort());
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private void publishQos012(Mqtt5BlockingClient client) {
        for (int qos = 0; qos <= 2; qos++) {
            Mqtt5PublishResult result = client.publishWith()
                    .topic(TOPIC + "q" + qos)
                    .qos(MqttQos.fromCode(qos))
                    .payload(utf8("v" + qos))
                    .userProperties()
                    .add("unit", "C")
                    .applyUserProperties()
                    .send();
            assertThat(result.getError()).isEmpty();
        }
    }

    @Test
    void mqtt5PublishQos012_withPassword_eachStoredOnceAndAcked() throws Exception {
        server = TestServer.start(ManualSink.automatic());
        Mqtt5BlockingClient client = v5("h5").buildBlocking();
        client.connectWith()
                .simpleAuth()
                .username(USER)
                .password(utf8(PASSWORD))
                .applySimpleAuth()
                .send();
        publishQos012(client);
        client.disconnect();
        assertThat(server.sink.payloads()).containsExactly("v0", "v1", "v2");
        assertThat(server.sink.offer(1).publish().userProperties()).containsEntry("unit", "C");
        assertThat(server.sink.offer(1).publish().format()).isEqualTo(PayloadFormat.RAW);
    }

    @Test
    void mqtt5Qos1_sinkPending_clientSeesPubackOnlyAfterStored() throws Exception {
        server = TestServer.start(ManualSink.manual());
        Mqtt5AsyncClient client = v5("h5-async").buildAsync();
        client.connectWith()
                .simpleAuth()
                .username(USER)
                .password(utf8(PASSWORD))
                .applySimpleAuth()
                .send()
                .get();
        CompletableFuture<Mqtt5PublishResult> published = client.publishWith()
                .topic(TOPIC + "slow")
                .qos(MqttQos.AT_LEAST_ONCE)
                .payload(utf8("1"))
                .send();
        await().atMost(RawMqttClient.WAIT).until(() -> server.sink.size() == 1);
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> !published.isDone());
        server.sink.offer(0).future().complete(SinkResult.STORED);
        await().atMost(RawMqttClient.WAIT).until(published::isDone);
        assertThat(published.get().getError()).isEmpty();
        client.disconnect().get();
    }

    @Test
    void mqtt5Connect_wrongPassword_refused0x86() throws Exception {
        server = TestServer.start(ManualSink.automatic());
        Mqtt5BlockingClient client = v5("h5-bad").buildBlocking();
        assertThatThrownBy(() -> client.connectWith()
                        .simpleAuth()
                        .username(USER)
                        .password(utf8("wrong"))
                        .applySimpleAuth()
                        .send())
                .isInstanceOfSatisfying(
                        Mqtt5ConnAckException.class,
                        e -> assertThat(e.getMqttMessage().getReasonCode())
                                .isEqualTo(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD));
    }

    @Test
    void mqtt5Connect_emptyClientId_serverAssignsOne() throws Exception {
        server = TestServer.start(ManualSink.automatic());
        Mqtt5BlockingClient client = v5("").buildBlocking();
        Mqtt5ConnAck connAck = client.connectWith()
                .simpleAuth()
                .username(USER)
                .password(utf8(PASSWORD))
                .applySimpleAuth()
                .send();
        assertThat(connAck.getAssignedClientIdentifier())
                .hasValueSatisfying(id -> assertThat(id.toString()).startsWith("tributary-"));
        client.disconnect();
    }

    @Test
    void mqtt5Connect_sameClientIdTwice_secondTakesOverFirst() throws Exception {
        server = TestServer.start(ManualSink.automatic());
        Mqtt5BlockingClient first = v5("dup-id").buildBlocking();
        Mqtt5BlockingClient second = v5("dup-id").buildBlocking();
        first.connectWith()
                .simpleAuth()
                .username(USER)
                .password(utf8(PASSWORD))
                .applySimpleAuth()
                .send();
        second.connectWith()
                .simpleAuth()
                .username(USER)
                .password(utf8(PASSWORD))
                .applySimpleAuth()
                .send();
        await().atMost(RawMqttClient.WAIT).until(() -> !first.getState().isConnected());
        assertThat(second.getState().isConnected()).isTrue();
        assertThat(server.count("tributary.edge.mqtt.disconnects", "reason", "session_taken_over"))
                .isEqualTo(1);
        second.disconnect();
    }

    @Test
    void mqtt311PublishQos012_andWrongPassword() throws Exception {
        server = TestServer.start(ManualSink.automatic());
        Mqtt3BlockingClient client = server.hivemq3("h3");
        for (int qos = 0; qos <= 2; qos++) {
            client.publishWith()
                    .topic(TOPIC + "q" + qos)
                    .qos(MqttQos.fromCode(qos))
                    .payload(utf8("w" + qos))
                    .send();
        }
        client.disconnect();
        await().atMost(RawMqttClient.WAIT).until(() -> server.sink.size() == 3);
        assertThat(server.sink.payloads()).containsExactly("w0", "w1", "w2");

        Mqtt3BlockingClient bad = MqttClient.builder()
                .useMqttVersion3()
                .identifier("h3-bad")
                .serverHost("127.0.0.1")
                .serverPort(server.address().getPort())
                .buildBlocking();
        assertThatThrownBy(() -> bad.connectWith()
                        .simpleAuth()
                        .username(USER)
                        .password(utf8("wrong"))
                        .applySimpleAuth()
                        .send())
                .isInstanceOfSatisfying(
                        Mqtt3ConnAckException.class,
                        e -> assertThat(e.getMqttMessage().getReturnCode())
                                .isEqualTo(Mqtt3ConnAckReturnCode.BAD_USER_NAME_OR_PASSWORD));
    }

    @Test
    void mqtt5OverTls_selfSignedCertificate_publishesStored(@TempDir Path dir) throws Exception {
        Path keyStore = TestCertificates.selfSigned(dir);
        server = TestServer.start(
                ManualSink.automatic(), b -> b.tls(0, TlsConfig.pkcs12(keyStore, TestCertificates.PASSWORD)));
        Mqtt5BlockingClient client = MqttClient.builder()
                .useMqttVersion5()
                .identifier("h5-tls")
                .serverHost("127.0.0.1")
                .serverPort(server.server.tlsAddress().orElseThrow().getPort())
                .sslConfig()
                .trustManagerFactory(TestCertificates.trusting(keyStore))
                .applySslConfig()
                .buildBlocking();
        client.connectWith()
                .simpleAuth()
                .username(USER)
                .password(utf8(PASSWORD))
                .applySimpleAuth()
                .send();
        publishQos012(client);
        client.disconnect();
        assertThat(server.sink.payloads()).containsExactly("v0", "v1", "v2");
    }
}
