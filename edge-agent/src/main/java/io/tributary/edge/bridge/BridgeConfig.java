package io.tributary.edge.bridge;

import io.tributary.edge.mqtt.TopicMapping;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How {@link BrokerBridge} reaches an existing broker. Immutable.
 *
 * @param url broker URL as Paho spells it, e.g. {@code tcp://127.0.0.1:1883} or {@code ssl://host:8883}
 * @param topics topic filters to subscribe to (non-empty)
 * @param clientId fixed client id; the broker keeps the persistent session under it
 * @param username user name, empty for anonymous
 * @param password password of {@code username}
 * @param qos subscription QoS, 1 or 2
 * @param mapping how topic names map to group, device and metric
 * @param reconnectDelay delay before retrying a failed first connect, and before bouncing the connection after a
 *     refused store (so the broker redelivers what was not acknowledged)
 * @param mqttVersion 4 (MQTT 3.1.1) or 5; with 5, {@code qos} must be 1 (see {@link Mqtt5Bridge})
 */
public record BridgeConfig(
        String url,
        List<String> topics,
        String clientId,
        Optional<String> username,
        String password,
        int qos,
        TopicMapping mapping,
        Duration reconnectDelay,
        int mqttVersion) {

    /** An MQTT 3.1.1 bridge. */
    public BridgeConfig(
            String url,
            List<String> topics,
            String clientId,
            Optional<String> username,
            String password,
            int qos,
            TopicMapping mapping,
            Duration reconnectDelay) {
        this(url, topics, clientId, username, password, qos, mapping, reconnectDelay, 4);
    }

    /** Why an MQTT 5 bridge takes QoS 1 only. */
    public static final String QOS_WITH_MQTT5 = "must be 1 with MQTT 5: Paho's MQTT 5 client completes a QoS 2 message"
            + " with the broker before the bridge has stored it, so a crash could lose it";

    public BridgeConfig {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(clientId, "clientId");
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(mapping, "mapping");
        Objects.requireNonNull(reconnectDelay, "reconnectDelay");
        topics = List.copyOf(topics);
        if (topics.isEmpty()) {
            throw new IllegalArgumentException("at least one topic filter is needed");
        }
        if (qos != 1 && qos != 2) {
            throw new IllegalArgumentException("qos must be 1 or 2: " + qos);
        }
        if (mqttVersion != 4 && mqttVersion != 5) {
            throw new IllegalArgumentException("mqttVersion must be 4 (3.1.1) or 5: " + mqttVersion);
        }
        if (mqttVersion == 5 && qos != 1) {
            throw new IllegalArgumentException(QOS_WITH_MQTT5);
        }
        if (clientId.isEmpty()) {
            throw new IllegalArgumentException("a persistent session needs a non-empty client id");
        }
    }
}
