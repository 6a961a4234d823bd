package io.tributary.edge.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPubReplyMessageVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttReasonCodes;
import io.netty.handler.codec.mqtt.MqttSubscriptionOption;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.tributary.edge.buffer.BufferConfig;
import io.tributary.edge.buffer.DurableBuffer;
import io.tributary.edge.ingest.BufferPublishSink;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A persistent session's state across agent restarts, on the real buffer and session store. Inbound QoS 2: a PUBLISH
 * resent after the restart (its PUBREC lost with the agent) is acknowledged without being stored again and its PUBREL
 * finds it; a packet id released before the restart takes a new message; a fresh session of the client starts without
 * the old session's receipts (SIGKILL of a child JVM under load: {@code e2e.EdgeCrashIT}). An acknowledged
 * unsubscribe stays done.
 */
class SessionRestartIT {

    private static final String TOPIC = "tributary/plant-1/dev-1/temp";
    private static final byte SUCCESS = 0x00;
    private static final MqttProperties NONE = MqttProperties.NO_PROPERTIES;

    @TempDir
    Path dir;

    /** One run of the agent's MQTT side: the buffer and session state in {@code dir}, kept across runs. */
    private final class Agent implements AutoCloseable {
        final SimpleMeterRegistry registry = new SimpleMeterRegistry();
        final DurableBuffer buffer;
        final MqttServer server;

        Agent() throws Exception {
            buffer = DurableBuffer.open(
                    BufferConfig.builder(dir.resolve("b.db"), "agent").build(), Clock.systemUTC(), registry);
            server = new MqttServer(
                    MqttServerConfig.builder()
                            .host("127.0.0.1")
                            .port(0)
                            .ioThreads(1)
                            .allowAnonymous(true)
                            .forward(List.of("tributary/#"))
                            .stateDirectory(dir.resolve("state"))
                            .build(),
                    (user, password) -> false,
                    new BufferPublishSink(buffer, Duration.ZERO, () -> {}),
                    registry);
            server.start();
        }

        RawMqttClient client(String clientId, boolean present) throws Exception {
            RawMqttClient c = RawMqttClient.to(server.plainAddress().orElseThrow());
            assertThat(c.connectPersistent(MqttVersion.MQTT_5, clientId, 3600, null, null)
                            .variableHeader()
                            .isSessionPresent())
                    .as("session present")
                    .isEqualTo(present);
            return c;
        }

        double duplicates() {
            return registry.counter("tributary.edge.mqtt.publishes.refused", "reason", "duplicate")
                    .count();
        }

        double receipts() {
            return registry.get("tributary.edge.mqtt.qos2.receipts").gauge().value();
        }

        @Override
        public void close() {
            server.close();
            buffer.close();
        }
    }

    @Test
    void publishResentAfterRestart_storedOnce_pubRelFindsIt_releasedIdTakesNewMessages() throws Exception {
        try (Agent agent = new Agent();
                RawMqttClient c = agent.client("dev-1", false)) {
            c.publish(TOPIC, 2, 7, false, "{\"v\":1}");
            expect(c, MqttMessageType.PUBREC, 7, SUCCESS);
            assertThat(agent.buffer.storedRecords()).isEqualTo(1);
            // the agent stops before the client saw the PUBREC: the client sends the PUBLISH again
        }
        try (Agent agent = new Agent();
                RawMqttClient c = agent.client("dev-1", true)) {
            assertThat(agent.receipts()).isEqualTo(1);
            c.publish(TOPIC, 2, 7, true, "{\"v\":1}");
            expect(c, MqttMessageType.PUBREC, 7, SUCCESS);
            assertThat(agent.buffer.storedRecords())
                    .as("the resend is not stored")
                    .isEqualTo(1);
            assertThat(agent.duplicates()).isEqualTo(1);
            c.pubRel(7);
            expect(c, MqttMessageType.PUBCOMP, 7, SUCCESS);
            assertThat(agent.receipts()).isZero();
            c.publish(TOPIC, 2, 7, false, "{\"v\":2}");
            expect(c, MqttMessageType.PUBREC, 7, SUCCESS);
            assertThat(agent.buffer.storedRecords())
                    .as("a new message under a released id")
                    .isEqualTo(2);
            // stops between PUBREC and PUBREL this time
        }
        try (Agent agent = new Agent();
                RawMqttClient c = agent.client("dev-1", true)) {
            c.pubRel(7);
            expect(c, MqttMessageType.PUBCOMP, 7, SUCCESS); // found (else 0x92, packet identifier not found)
            c.publish(TOPIC, 2, 7, false, "{\"v\":3}");
            expect(c, MqttMessageType.PUBREC, 7, SUCCESS);
            c.pubRel(7);
            expect(c, MqttMessageType.PUBCOMP, 7, SUCCESS);
            assertThat(agent.buffer.storedRecords()).isEqualTo(3);
            // released before the stop; the client's next message under id 7 was lost with the agent, so it resends
        }
        try (Agent agent = new Agent();
                RawMqttClient c = agent.client("dev-1", true)) {
            c.publish(TOPIC, 2, 7, true, "{\"v\":4}");
            expect(c, MqttMessageType.PUBREC, 7, SUCCESS);
            assertThat(agent.buffer.storedRecords())
                    .as("not taken for the released one")
                    .isEqualTo(4);
            assertThat(agent.duplicates()).isZero();
        }
    }

    @Test
    void freshSession_startsWithoutTheOldSessionsReceipts() throws Exception {
        try (Agent agent = new Agent();
                RawMqttClient c = agent.client("dev-2", false)) {
            c.publish(TOPIC, 2, 9, false, "{\"v\":1}");
            expect(c, MqttMessageType.PUBREC, 9, SUCCESS);
        }
        try (Agent agent = new Agent();
                RawMqttClient c = RawMqttClient.to(agent.server.plainAddress().orElseThrow())) {
            MqttProperties expiry = new MqttProperties();
            expiry.add(new MqttProperties.IntegerProperty(MqttProperties.SESSION_EXPIRY_INTERVAL, 3600));
            c.connect(MqttVersion.MQTT_5, "dev-2", null, null, expiry); // clean start: a new session
            // its first message under id 9, sent again (DUP) as if the agent had died before storing it
            c.publish(TOPIC, 2, 9, true, "{\"v\":2}");
            expect(c, MqttMessageType.PUBREC, 9, SUCCESS);
            assertThat(agent.buffer.storedRecords())
                    .as("not taken for the old session's")
                    .isEqualTo(2);
            assertThat(agent.duplicates()).isZero();
        }
        try (Agent agent = new Agent();
                RawMqttClient c = agent.client("dev-2", true)) {
            c.publish(TOPIC, 2, 9, true, "{\"v\":2}");
            expect(c, MqttMessageType.PUBREC, 9, SUCCESS);
            assertThat(agent.buffer.storedRecords())
                    .as("the new session's receipt holds")
                    .isEqualTo(2);
            assertThat(agent.duplicates()).isEqualTo(1);
        }
    }

    @Test
    void sessionMadePersistentByATakeover_keepsTheIdsItHeld_acrossRestart() throws Exception {
        try (Agent agent = new Agent();
                RawMqttClient first =
                        RawMqttClient.to(agent.server.plainAddress().orElseThrow())) {
            first.connect(MqttVersion.MQTT_5, "dev-3", null, null); // Session Expiry 0: not persistent
            first.publish(TOPIC, 2, 11, false, "{\"v\":1}");
            expect(first, MqttMessageType.PUBREC, 11, SUCCESS);
            try (RawMqttClient second = agent.client("dev-3", true)) { // takes the session over, now persistent
                assertThat(agent.receipts()).as("a receipt for the id it held").isEqualTo(1);
            }
        }
        try (Agent agent = new Agent();
                RawMqttClient c = agent.client("dev-3", true)) {
            c.publish(TOPIC, 2, 11, true, "{\"v\":1}");
            expect(c, MqttMessageType.PUBREC, 11, SUCCESS);
            assertThat(agent.buffer.storedRecords())
                    .as("the resend is not stored")
                    .isEqualTo(1);
            assertThat(agent.duplicates()).isEqualTo(1);
        }
    }

    @Test
    void unsubscribe_acknowledged_staysDoneAcrossRestart() throws Exception {
        try (Agent agent = new Agent();
                RawMqttClient c = agent.client("listener", false)) {
            c.subscribe(1, "local/a", MqttSubscriptionOption.onlyFromQos(MqttQoS.AT_LEAST_ONCE), NONE);
            c.subscribe(2, "local/b", MqttSubscriptionOption.onlyFromQos(MqttQoS.AT_LEAST_ONCE), NONE);
            c.send(MqttMessageBuilders.unsubscribe()
                    .messageId(3)
                    .addTopicFilter("local/a")
                    .build());
            assertThat(c.next().fixedHeader().messageType()).isEqualTo(MqttMessageType.UNSUBACK);
        }
        try (Agent agent = new Agent();
                RawMqttClient c = agent.client("listener", true);
                RawMqttClient publisher =
                        RawMqttClient.to(agent.server.plainAddress().orElseThrow())) {
            publisher.connect(MqttVersion.MQTT_5, "publisher", null, null);
            publisher.publish("local/a", 1, 1, false, "a");
            expect(publisher, MqttMessageType.PUBACK, 1, SUCCESS);
            publisher.publish("local/b", 1, 2, false, "b");
            expect(publisher, MqttMessageType.PUBACK, 2, SUCCESS);
            assertThat(c.nextPublish().variableHeader().topicName())
                    .as("local/a not delivered")
                    .isEqualTo("local/b");
        }
    }

    private static void expect(RawMqttClient c, MqttMessageType type, int packetId, byte reason)
            throws InterruptedException {
        MqttMessage m = c.next();
        assertThat(m.fixedHeader().messageType()).isEqualTo(type);
        io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader id =
                (io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader) m.variableHeader();
        assertThat(id.messageId()).isEqualTo(packetId);
        byte code = m.variableHeader() instanceof MqttPubReplyMessageVariableHeader h ? h.reasonCode() : 0;
        assertThat(code)
                .as("reason code (0x%02x = %s)", code, MqttReasonCodes.PubComp.PACKET_IDENTIFIER_NOT_FOUND)
                .isEqualTo(reason);
    }
}
