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
 */
public record BridgeConfig(
        String url,
        List<String> topics,
        String clientId,
        Optional<String> username,
        String password,
        int qos,
        TopicMapping mapping,
        Duration reconnectDelay) {

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
        if (clientId.isEmpty()) {
            throw new IllegalArgumentException("a persistent session needs a non-empty client id");
        }
    }
}
