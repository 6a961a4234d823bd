package io.tributary.edge.mqtt;

import java.util.Map;
import java.util.Objects;

/**
 * One PUBLISH accepted by the MQTT endpoint, as handed to {@link PublishSink}. Immutable by convention: the
 * payload array is not copied and must not be changed by anyone.
 *
 * @param clientId MQTT client identifier (assigned by the server when the client sent an empty one)
 * @param username authenticated user name, or {@code ""} for an anonymous connection
 * @param topic the topic name as published
 * @param mapped group, device and metric parsed from the topic by {@link TopicMapping}
 * @param qos 0, 1 or 2
 * @param payload application payload bytes
 * @param format what the payload looks like ({@link PayloadFormat#detect})
 * @param receiveTimeMs wall-clock time the endpoint decoded the publish, epoch milliseconds
 * @param userProperties MQTT 5 user properties (last value wins for repeated keys); empty for 3.1.1
 */
public record InboundPublish(
        String clientId,
        String username,
        String topic,
        TopicMapping.Match mapped,
        int qos,
        byte[] payload,
        PayloadFormat format,
        long receiveTimeMs,
        Map<String, String> userProperties) {

    public InboundPublish {
        Objects.requireNonNull(clientId, "clientId");
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(mapped, "mapped");
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(format, "format");
        userProperties = Map.copyOf(userProperties);
        if (qos < 0 || qos > 2) {
            throw new IllegalArgumentException("qos must be 0, 1 or 2: " + qos);
        }
    }
}
