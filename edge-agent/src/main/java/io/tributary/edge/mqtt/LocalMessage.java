package io.tributary.edge.mqtt;

import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import java.util.List;

/**
 * A publish on its way to local subscribers (and, when retained, kept for future ones). Immutable by convention:
 * neither the payload array nor the properties are changed after construction; each delivery builds its own
 * properties from them.
 *
 * @param topic topic name
 * @param payload application message
 * @param qos QoS it was published with
 * @param retain its RETAIN flag
 * @param publisher the session that published it (for No Local), null when it came from elsewhere
 * @param properties what MQTT 5 passes on to subscribers unchanged: Payload Format Indicator, Content Type, Response
 *     Topic, Correlation Data, User Properties (in order); empty for 3.1.1
 * @param expiresAtMillis wall-clock time its Message Expiry Interval ends, 0 when it has none
 */
record LocalMessage(
        String topic,
        byte[] payload,
        int qos,
        boolean retain,
        Session publisher,
        MqttProperties properties,
        long expiresAtMillis) {

    private static final List<Integer> PASSED_ON = List.of(
            MqttProperties.PAYLOAD_FORMAT_INDICATOR,
            MqttProperties.CONTENT_TYPE,
            MqttProperties.RESPONSE_TOPIC,
            MqttProperties.CORRELATION_DATA);

    /**
     * Takes what subscribers get from a decoded PUBLISH (Topic Alias and Subscription Identifiers are not); {@code
     * topic} is its topic name, or the one its Topic Alias stands for.
     */
    static LocalMessage of(String topic, MqttPublishMessage msg, byte[] payload, Session publisher, long nowMillis) {
        return create(
                topic,
                payload,
                msg.fixedHeader().qosLevel().value(),
                msg.fixedHeader().isRetain(),
                publisher,
                msg.variableHeader().properties(),
                nowMillis);
    }

    /**
     * A message from its parts; {@code in} are the PUBLISH (or Will) properties, of which those passed on are kept
     * and the Message Expiry Interval is turned into {@link #expiresAtMillis} from {@code nowMillis}.
     */
    static LocalMessage create(
            String topic,
            byte[] payload,
            int qos,
            boolean retain,
            Session publisher,
            MqttProperties in,
            long nowMillis) {
        MqttProperties out = MqttProperties.NO_PROPERTIES;
        long expiresAt = 0;
        if (!in.isEmpty()) {
            out = new MqttProperties();
            for (int id : PASSED_ON) {
                MqttProperties.MqttProperty<?> p = in.getProperty(id);
                if (p != null) {
                    out.add(p);
                }
            }
            for (MqttProperties.MqttProperty<?> p : in.getProperties(MqttProperties.USER_PROPERTY)) {
                out.add(p);
            }
            MqttProperties.MqttProperty<?> expiry = in.getProperty(MqttProperties.PUBLICATION_EXPIRY_INTERVAL);
            if (expiry != null) {
                expiresAt = nowMillis + (((Integer) expiry.value()) & 0xFFFF_FFFFL) * 1000;
            }
        }
        return new LocalMessage(topic, payload, qos, retain, publisher, out, expiresAt);
    }

    boolean expired(long nowMillis) {
        return expiresAtMillis != 0 && nowMillis >= expiresAtMillis;
    }

    /** Whole seconds left of the Message Expiry Interval, rounded up (MQTT 5 §3.3.2.3.3), or -1 when none. */
    long remainingExpirySeconds(long nowMillis) {
        return expiresAtMillis == 0 ? -1 : Math.max(0, (expiresAtMillis - nowMillis + 999) / 1000);
    }
}
