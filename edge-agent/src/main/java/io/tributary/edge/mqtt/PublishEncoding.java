package io.tributary.edge.mqtt;

import io.netty.handler.codec.mqtt.MqttProperties;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** What an outgoing PUBLISH to one subscriber carries besides the message: its MQTT 5 properties and wire size. */
final class PublishEncoding {

    private PublishEncoding() {}

    /**
     * The properties of a PUBLISH to a subscriber: those passed on from the publisher, the remaining Message Expiry
     * Interval and the matching subscriptions' identifiers; none for MQTT 3.1.1.
     */
    static MqttProperties properties(Outbound.Delivery d, long now, boolean v5) {
        if (!v5) {
            return MqttProperties.NO_PROPERTIES;
        }
        LocalMessage m = d.message();
        long expiry = m.remainingExpirySeconds(now);
        if (m.properties().isEmpty() && expiry < 0 && d.subscriptionIds().isEmpty()) {
            return MqttProperties.NO_PROPERTIES; // the common case: no allocation
        }
        MqttProperties props = new MqttProperties();
        m.properties().listAll().forEach(props::add);
        if (expiry >= 0) {
            props.add(new MqttProperties.IntegerProperty(MqttProperties.PUBLICATION_EXPIRY_INTERVAL, (int) expiry));
        }
        for (int id : d.subscriptionIds()) {
            props.add(new MqttProperties.IntegerProperty(MqttProperties.SUBSCRIPTION_IDENTIFIER, id));
        }
        return props;
    }

    /** Bytes the PUBLISH takes on the wire, to honour the subscriber's Maximum Packet Size (MQTT 5 §3.1.2.11.4). */
    static long encodedSize(Outbound.Delivery d, MqttProperties props) {
        long propsLength = 0;
        for (MqttProperties.MqttProperty<?> p : props.listAll()) {
            Object v = p.value();
            if (v instanceof String s) {
                propsLength += 1 + 2 + s.getBytes(StandardCharsets.UTF_8).length;
            } else if (v instanceof byte[] b) {
                propsLength += 1 + 2 + b.length;
            } else if (v instanceof List<?> pairs) {
                for (Object pair : pairs) {
                    MqttProperties.StringPair sp = (MqttProperties.StringPair) pair;
                    propsLength += 1
                            + 4
                            + sp.key.getBytes(StandardCharsets.UTF_8).length
                            + sp.value.getBytes(StandardCharsets.UTF_8).length;
                }
            } else {
                propsLength += 1 + 4; // integers: at most 4 bytes
            }
        }
        long remaining = 2
                + d.message().topic().getBytes(StandardCharsets.UTF_8).length
                + (d.qos() > 0 ? 2 : 0)
                + varIntSize(propsLength)
                + propsLength
                + d.message().payload().length;
        return 1 + varIntSize(remaining) + remaining;
    }

    private static int varIntSize(long value) {
        return value < 128 ? 1 : value < 16_384 ? 2 : value < 2_097_152 ? 3 : 4;
    }
}
