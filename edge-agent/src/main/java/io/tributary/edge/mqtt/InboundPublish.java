package io.tributary.edge.mqtt;

import io.netty.handler.codec.mqtt.MqttProperties;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.LoggerFactory;

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

    /** The User Properties of a PUBLISH or a will, last value winning for repeated keys; empty for 3.1.1. */
    static Map<String, String> userProperties(MqttProperties props) {
        if (props.isEmpty()) {
            return Map.of(); // MQTT 3.1.1, and most MQTT 5 publishes
        }
        Map<String, String> result = new HashMap<>();
        for (MqttProperties.MqttProperty<?> p : props.getProperties(MqttProperties.USER_PROPERTY)) {
            if (p instanceof MqttProperties.UserProperty user) {
                result.put(user.value().key, user.value().value);
            } else if (p instanceof MqttProperties.UserProperties users) {
                users.value().forEach(pair -> result.put(pair.key, pair.value));
            }
        }
        return result;
    }

    /** Hands {@code publish} to {@code sink}; a sink that throws or returns null counts as {@link SinkResult#FAILED}. */
    static CompletionStage<SinkResult> offer(PublishSink sink, InboundPublish publish) {
        try {
            CompletionStage<SinkResult> stage = sink.accept(publish);
            return stage != null ? stage : CompletableFuture.completedFuture(SinkResult.FAILED);
        } catch (RuntimeException e) {
            LoggerFactory.getLogger(InboundPublish.class)
                    .warn("PublishSink.accept threw for client {}", publish.clientId(), e);
            return CompletableFuture.completedFuture(SinkResult.FAILED);
        }
    }
}
