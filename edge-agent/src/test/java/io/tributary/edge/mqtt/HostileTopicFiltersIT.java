package io.tributary.edge.mqtt;

import static io.tributary.edge.mqtt.TestServer.PASSWORD;
import static io.tributary.edge.mqtt.TestServer.USER;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttSubscriptionOption;
import io.netty.handler.codec.mqtt.MqttVersion;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile topic filters are refused cleanly, one test per case and version: a filter that breaks the wildcard rules
 * or is longer than {@code TopicFilters.MAX_FILTER_LENGTH} gets SUBACK 0x8F (3.1.1: 0x80) and the connection stays;
 * U+0000 or ill-formed UTF-8 in a filter or topic is a Malformed Packet: DISCONNECT 0x81 (3.1.1: closed). Empty
 * levels are legal and granted. After each, the server still serves.
 */
class HostileTopicFiltersIT {

    @AutoClose
    TestServer server = TestServer.localBroker();

    private static final MqttSubscriptionOption QOS1 = MqttSubscriptionOption.onlyFromQos(MqttQoS.AT_LEAST_ONCE);

    static Stream<Arguments> refusedFilters() {
        Stream<String[]> cases = Stream.of(
                new String[] {"hash not last", "a/#/b"},
                new String[] {"hash mixed in a level", "a/b#"},
                new String[] {"plus mixed in a level", "a/b+/c"},
                new String[] {"plus and hash in one level", "a/+#"},
                new String[] {"64 KiB filter", "a/".repeat(32 * 1024 - 1) + "a"
                }, // 65,535 bytes, the most a string holds
                new String[] {"empty filter", ""},
                new String[] {"shared without filter", "$share/g/"});
        return cases.flatMap(c -> Stream.of(
                Arguments.of(c[0], c[1], MqttVersion.MQTT_5, 0x8F),
                Arguments.of(c[0], c[1], MqttVersion.MQTT_3_1_1, 0x80)));
    }

    private RawMqttClient connected(MqttVersion version) throws Exception {
        RawMqttClient client = RawMqttClient.to(server.address());
        assertThat(client.connect(version, "hostile-" + version, USER, PASSWORD))
                .isEqualTo(MqttConnectReturnCode.CONNECTION_ACCEPTED);
        return client;
    }

    @ParameterizedTest(name = "{0} {2}")
    @MethodSource("refusedFilters")
    void invalidFilter_refusedInTheSubAck_connectionKept(String name, String filter, MqttVersion version, int code)
            throws Exception {
        try (RawMqttClient client = connected(version)) {
            assertThat(client.subscribe(1, filter, QOS1, MqttProperties.NO_PROPERTIES))
                    .as(name)
                    .containsExactly(code);
            assertThat(client.subscribe(2, "ok/+", QOS1, MqttProperties.NO_PROPERTIES))
                    .as("the connection goes on")
                    .containsExactly(1);
        }
        assertThat(server.count("tributary.edge.mqtt.subscriptions.refused", "reason", "filter_invalid"))
                .isEqualTo(1);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(
            value = MqttVersion.class,
            names = {"MQTT_5", "MQTT_3_1_1"})
    void emptyLevels_areLegal_andGranted(MqttVersion version) throws Exception {
        try (RawMqttClient client = connected(version)) {
            for (String filter : List.of("a//b", "/", "//#", "/+/")) {
                assertThat(client.subscribe(1, filter, QOS1, MqttProperties.NO_PROPERTIES))
                        .as(filter)
                        .containsExactly(1);
            }
        }
    }

    static Stream<Arguments> malformedStrings() {
        byte[] nul = {'a', '/', 0, 'b'};
        byte[] invalid = {'a', '/', (byte) 0xC3, (byte) 0x28}; // 0xC3 needs a continuation byte
        byte[] overlong = {'a', '/', (byte) 0xC0, (byte) 0xAF}; // '/' encoded in two bytes
        byte[] surrogate = {'a', (byte) 0xED, (byte) 0xA0, (byte) 0x80}; // U+D800
        return Stream.of(MqttVersion.MQTT_5, MqttVersion.MQTT_3_1_1)
                .flatMap(version -> Stream.of(
                        Arguments.of("NUL in SUBSCRIBE", version, subscribe(version, nul)),
                        Arguments.of("bad UTF-8 in SUBSCRIBE", version, subscribe(version, invalid)),
                        Arguments.of("overlong UTF-8 in SUBSCRIBE", version, subscribe(version, overlong)),
                        Arguments.of("surrogate in SUBSCRIBE", version, subscribe(version, surrogate)),
                        Arguments.of("NUL in UNSUBSCRIBE", version, unsubscribe(version, nul)),
                        Arguments.of("bad UTF-8 in PUBLISH topic", version, publish(version, invalid))));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("malformedStrings")
    void nulOrIllFormedUtf8_isAMalformedPacket_disconnects(String name, MqttVersion version, byte[] packet)
            throws Exception {
        RawMqttClient client = connected(version);
        client.sendBytes(packet);
        if (version == MqttVersion.MQTT_5) {
            MqttMessage answer = client.next();
            assertThat(answer.fixedHeader().messageType()).as(name).isEqualTo(MqttMessageType.DISCONNECT);
            assertThat(((MqttReasonCodeAndPropertiesVariableHeader) answer.variableHeader()).reasonCode() & 0xff)
                    .isEqualTo(0x81);
        }
        client.awaitClosed();
        assertThat(server.count("tributary.edge.mqtt.malformed.packets", "reason", "topic_not_utf8"))
                .isEqualTo(1);
        assertThat(server.sink.size()).isZero();
        server.assertStillServes();
    }

    private static byte[] subscribe(MqttVersion version, byte[] filter) {
        return packet(0x82, version, filter, true);
    }

    private static byte[] unsubscribe(MqttVersion version, byte[] filter) {
        return packet(0xA2, version, filter, false);
    }

    /** SUBSCRIBE or UNSUBSCRIBE, packet id 1, one filter of raw bytes (and options QoS 1 for SUBSCRIBE). */
    private static byte[] packet(int firstByte, MqttVersion version, byte[] filter, boolean options) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(0);
        body.write(1);
        if (version == MqttVersion.MQTT_5) {
            body.write(0); // no properties
        }
        body.write(filter.length >> 8);
        body.write(filter.length & 0xff);
        body.writeBytes(filter);
        if (options) {
            body.write(1);
        }
        return frame(firstByte, body.toByteArray());
    }

    /** PUBLISH QoS 0 to a topic of raw bytes. */
    private static byte[] publish(MqttVersion version, byte[] topic) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(topic.length >> 8);
        body.write(topic.length & 0xff);
        body.writeBytes(topic);
        if (version == MqttVersion.MQTT_5) {
            body.write(0);
        }
        body.writeBytes(new byte[] {'{', '}'});
        return frame(0x30, body.toByteArray());
    }

    private static byte[] frame(int firstByte, byte[] body) {
        assertThat(body.length).isLessThan(128);
        byte[] out = new byte[body.length + 2];
        out[0] = (byte) firstByte;
        out[1] = (byte) body.length;
        System.arraycopy(body, 0, out, 2, body.length);
        return out;
    }
}
