package io.tributary.edge.e2e;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import io.tributary.edge.EdgeAgent;
import java.nio.charset.StandardCharsets;

/** An MQTT 5 device publishing QoS 1 to an in-process edge and reading each PUBACK's reason code. Test thread only. */
final class Mqtt5Device implements AutoCloseable {
    private final Mqtt5BlockingClient client;

    Mqtt5Device(EdgeAgent agent, String id) {
        client = MqttClient.builder()
                .useMqttVersion5()
                .identifier(id)
                .serverHost("127.0.0.1")
                .serverPort(agent.mqttAddress().orElseThrow().getPort())
                .buildBlocking();
        client.connect();
    }

    /** Publishes and waits for the PUBACK: its reason code, SUCCESS when the edge stored the message. */
    Mqtt5PubAckReasonCode publish(String topic, String payload) {
        try {
            Mqtt5PublishResult r = client.publishWith()
                    .topic(topic)
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(payload.getBytes(StandardCharsets.UTF_8))
                    .send();
            return ((Mqtt5PublishResult.Mqtt5Qos1Result) r).getPubAck().getReasonCode();
        } catch (Mqtt5PubAckException e) {
            return e.getMqttMessage().getReasonCode();
        }
    }

    @Override
    public void close() {
        client.disconnect();
    }
}
