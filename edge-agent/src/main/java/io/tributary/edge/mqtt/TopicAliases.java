package io.tributary.edge.mqtt;

import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import java.util.HashMap;
import java.util.Map;

/**
 * One connection's inbound Topic Aliases (MQTT 5 §3.3.2.3.4): a PUBLISH with a topic and a Topic Alias sets the
 * alias; a later PUBLISH with an empty topic and that alias means that topic. Aliases belong to the network
 * connection, not to the session: a new connection starts with none. The server advertises {@code maximum} in its
 * CONNACK; an alias of 0 or above it is a Topic Alias invalid error (0x94), an empty topic with an alias never set a
 * Protocol Error (0x82).
 *
 * <p>Memory: at most {@code maximum} topics per connection, each no longer than the largest packet accepted.
 *
 * <p>Thread rules: used only on the connection's event loop.
 */
final class TopicAliases {

    /** The topic a PUBLISH means, or the rule it broke. */
    record Resolved(String topic, PacketRules.Violation violation) {}

    private final int maximum;
    private Map<Integer, String> topics; // created on first use: most connections never set an alias

    TopicAliases(int maximum) {
        this.maximum = maximum;
    }

    /**
     * The topic a PUBLISH is for: its topic name, or what its Topic Alias stands for (MQTT 5, whose property rules
     * are checked first); or the rule it broke. An MQTT 3.1.1 PUBLISH has no aliases, and an empty topic is an error.
     */
    Resolved resolve(MqttPublishMessage msg, boolean v5) {
        String name = msg.variableHeader().topicName();
        if (!v5) {
            return name.isEmpty()
                    ? invalid(PacketRules.PROTOCOL_ERROR, "empty_topic", "empty topic name")
                    : new Resolved(name, null);
        }
        PacketRules.Violation violation =
                PacketRules.publish(msg.variableHeader().properties());
        return violation != null
                ? new Resolved(null, violation)
                : resolve(name, msg.variableHeader().properties());
    }

    /** Resolves the topic of an MQTT 5 PUBLISH whose topic name is {@code topic} (possibly empty). */
    Resolved resolve(String topic, MqttProperties props) {
        if (!(props.getProperty(MqttProperties.TOPIC_ALIAS) instanceof MqttProperties.MqttProperty<?> property)
                || !(property.value() instanceof Integer alias)) {
            return topic.isEmpty()
                    ? invalid(
                            PacketRules.PROTOCOL_ERROR,
                            "empty_topic",
                            "PUBLISH with an empty topic name and no Topic Alias")
                    : new Resolved(topic, null);
        }
        if (alias < 1 || alias > maximum) {
            return invalid(
                    PacketRules.TOPIC_ALIAS_INVALID,
                    "topic_alias_invalid",
                    "Topic Alias " + alias + " (valid: 1.." + maximum + ", this server's Topic Alias Maximum)");
        }
        if (!topic.isEmpty()) {
            if (topics == null) {
                topics = new HashMap<>();
            }
            topics.put(alias, topic);
            return new Resolved(topic, null);
        }
        String known = topics == null ? null : topics.get(alias);
        return known != null
                ? new Resolved(known, null)
                : invalid(
                        PacketRules.PROTOCOL_ERROR,
                        "topic_alias_unknown",
                        "PUBLISH with an empty topic name and Topic Alias " + alias + ", never set on this connection");
    }

    /** Aliases set on this connection. */
    int size() {
        return topics == null ? 0 : topics.size();
    }

    private static Resolved invalid(byte reasonCode, String tag, String detail) {
        return new Resolved(null, new PacketRules.Violation(reasonCode, tag, detail));
    }
}
