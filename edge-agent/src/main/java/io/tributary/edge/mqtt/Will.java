package io.tributary.edge.mqtt;

import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttVersion;
import java.time.Duration;

/**
 * The Will Message of a connection (MQTT 3.1.1 §3.1.2.5, 5 §3.1.2.5 and §3.1.3.2), as the CONNECT carried it.
 * Immutable by convention: neither the payload nor the properties are changed after construction.
 *
 * @param topic Will Topic
 * @param payload Will Payload (may be empty)
 * @param qos Will QoS
 * @param retain Will Retain
 * @param properties the MQTT 5 Will Properties (Will Delay Interval included); empty for 3.1.1
 * @param delay the MQTT 5 Will Delay Interval; zero when absent and for 3.1.1
 */
record Will(String topic, byte[] payload, int qos, boolean retain, MqttProperties properties, Duration delay) {

    /** The will of {@code connect}, or null when its Will Flag is not set. */
    static Will of(MqttConnectMessage connect, MqttVersion version) {
        if (!connect.variableHeader().isWillFlag()) {
            return null;
        }
        MqttProperties props =
                version == MqttVersion.MQTT_5 ? connect.payload().willProperties() : MqttProperties.NO_PROPERTIES;
        MqttProperties.MqttProperty<?> delay = props.getProperty(MqttProperties.WILL_DELAY_INTERVAL);
        byte[] payload = connect.payload().willMessageInBytes();
        return new Will(
                connect.payload().willTopic(),
                payload == null ? new byte[0] : payload,
                connect.variableHeader().willQos(),
                connect.variableHeader().isWillRetain(),
                props,
                delay != null && delay.value() instanceof Integer s
                        ? Duration.ofSeconds(s & 0xFFFF_FFFFL)
                        : Duration.ZERO);
    }

    /** The message subscribers get, published now by {@code publisher} (for No Local). */
    LocalMessage message(Session publisher, long nowMillis) {
        return LocalMessage.create(topic, payload, qos, retain, publisher, properties, nowMillis);
    }
}
