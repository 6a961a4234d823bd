package io.tributary.edge.mqtt;

import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.MqttProperty;
import java.util.Set;

/**
 * The MQTT 5 rules on properties that Netty's decoder does not enforce (MQTT 5 §2.2.2.2 and the sections of each
 * packet): which property identifiers a packet may carry (another one makes it a Malformed Packet, 0x81), and the
 * values that are a Protocol Error (0x82). Repeated properties are caught before decoding, by
 * {@link PropertyScanner}. Stateless.
 */
final class PacketRules {

    /** A broken rule: the reason code to answer with, a metric tag and a sentence for the log. */
    record Violation(byte reasonCode, String tag, String detail) {}

    static final byte MALFORMED = (byte) 0x81;
    static final byte PROTOCOL_ERROR = (byte) 0x82;
    static final byte BAD_AUTHENTICATION_METHOD = (byte) 0x8C;
    static final byte TOPIC_ALIAS_INVALID = (byte) 0x94;

    private static final Set<Integer> CONNECT = Set.of(
            MqttProperties.SESSION_EXPIRY_INTERVAL,
            MqttProperties.RECEIVE_MAXIMUM,
            MqttProperties.MAXIMUM_PACKET_SIZE,
            MqttProperties.TOPIC_ALIAS_MAXIMUM,
            MqttProperties.REQUEST_RESPONSE_INFORMATION,
            MqttProperties.REQUEST_PROBLEM_INFORMATION,
            MqttProperties.USER_PROPERTY,
            MqttProperties.AUTHENTICATION_METHOD,
            MqttProperties.AUTHENTICATION_DATA);
    private static final Set<Integer> WILL = Set.of(
            MqttProperties.WILL_DELAY_INTERVAL,
            MqttProperties.PAYLOAD_FORMAT_INDICATOR,
            MqttProperties.PUBLICATION_EXPIRY_INTERVAL,
            MqttProperties.CONTENT_TYPE,
            MqttProperties.RESPONSE_TOPIC,
            MqttProperties.CORRELATION_DATA,
            MqttProperties.USER_PROPERTY);
    private static final Set<Integer> PUBLISH = Set.of(
            MqttProperties.PAYLOAD_FORMAT_INDICATOR,
            MqttProperties.PUBLICATION_EXPIRY_INTERVAL,
            MqttProperties.TOPIC_ALIAS,
            MqttProperties.RESPONSE_TOPIC,
            MqttProperties.CORRELATION_DATA,
            MqttProperties.USER_PROPERTY,
            MqttProperties.SUBSCRIPTION_IDENTIFIER,
            MqttProperties.CONTENT_TYPE);
    private static final Set<Integer> SUBSCRIBE =
            Set.of(MqttProperties.SUBSCRIPTION_IDENTIFIER, MqttProperties.USER_PROPERTY);
    private static final Set<Integer> UNSUBSCRIBE = Set.of(MqttProperties.USER_PROPERTY);

    private PacketRules() {}

    /** MQTT 5 CONNECT: its properties and those of its will. Null when it keeps the rules. */
    static Violation connect(MqttProperties props, MqttProperties will) {
        Violation v = allowed("CONNECT", props, CONNECT);
        if (v == null) v = allowed("CONNECT will", will, WILL);
        if (v == null) v = notZero(props, MqttProperties.MAXIMUM_PACKET_SIZE, "Maximum Packet Size");
        if (v == null) v = notZero(props, MqttProperties.RECEIVE_MAXIMUM, "Receive Maximum");
        if (v == null) v = zeroOrOne(props, MqttProperties.REQUEST_PROBLEM_INFORMATION, "Request Problem Information");
        if (v == null)
            v = zeroOrOne(props, MqttProperties.REQUEST_RESPONSE_INFORMATION, "Request Response Information");
        if (v == null) v = zeroOrOne(will, MqttProperties.PAYLOAD_FORMAT_INDICATOR, "Payload Format Indicator");
        if (v == null && props.getProperty(MqttProperties.AUTHENTICATION_METHOD) != null) {
            // enhanced authentication (AUTH exchanges) is unsupported: refuse with 0x8C rather than ignore the method
            v = new Violation(
                    BAD_AUTHENTICATION_METHOD,
                    "bad_authentication_method",
                    "Authentication Method given; enhanced authentication is not supported");
        }
        return v;
    }

    /**
     * MQTT 5 PUBLISH from a client: its properties. The topic name and Topic Alias are the connection's {@link
     * TopicAliases}' to check, as their rules depend on the aliases set before.
     */
    static Violation publish(MqttProperties props) {
        Violation v = allowed("PUBLISH", props, PUBLISH);
        if (v == null
                && !props.getProperties(MqttProperties.SUBSCRIPTION_IDENTIFIER).isEmpty()) {
            v = protocolError("subscription_identifier", "PUBLISH from a client carries a Subscription Identifier");
        }
        if (v == null) v = zeroOrOne(props, MqttProperties.PAYLOAD_FORMAT_INDICATOR, "Payload Format Indicator");
        if (v == null && props.getProperty(MqttProperties.RESPONSE_TOPIC) instanceof MqttProperty<?> response) {
            String r = (String) response.value();
            if (r == null || r.isEmpty() || r.indexOf('+') >= 0 || r.indexOf('#') >= 0) {
                v = protocolError("response_topic_invalid", "Response Topic '" + r + "' is not a topic name");
            }
        }
        return v;
    }

    /** MQTT 5 SUBSCRIBE properties: Subscription Identifier 1..268,435,455 and User Property only. */
    static Violation subscribe(MqttProperties props) {
        Violation v = allowed("SUBSCRIBE", props, SUBSCRIBE);
        if (v == null
                && props.getProperty(MqttProperties.SUBSCRIPTION_IDENTIFIER) instanceof MqttProperty<?> id
                && ((Integer) id.value()) == 0) {
            v = protocolError("subscription_identifier", "Subscription Identifier 0");
        }
        return v;
    }

    static Violation unsubscribe(MqttProperties props) {
        return allowed("UNSUBSCRIBE", props, UNSUBSCRIBE);
    }

    private static Violation allowed(String packet, MqttProperties props, Set<Integer> allowed) {
        for (MqttProperty<?> p : props.listAll()) {
            if (!allowed.contains(p.propertyId())) {
                return new Violation(
                        MALFORMED,
                        "property_not_allowed",
                        packet + " carries property 0x" + Integer.toHexString(p.propertyId())
                                + ", which that packet may not carry");
            }
        }
        return null;
    }

    private static Violation notZero(MqttProperties props, int id, String name) {
        MqttProperty<?> p = props.getProperty(id);
        if (p != null && ((Integer) p.value()) == 0) {
            return protocolError("property_value_invalid", name + " 0");
        }
        return null;
    }

    private static Violation zeroOrOne(MqttProperties props, int id, String name) {
        MqttProperty<?> p = props.getProperty(id);
        if (p != null && ((Integer) p.value()) != 0 && ((Integer) p.value()) != 1) {
            return protocolError("property_value_invalid", name + " " + p.value() + " (must be 0 or 1)");
        }
        return null;
    }

    private static Violation protocolError(String tag, String detail) {
        return new Violation(PROTOCOL_ERROR, tag, detail);
    }
}
