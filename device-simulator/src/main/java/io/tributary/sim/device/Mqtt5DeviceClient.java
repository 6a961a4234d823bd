package io.tributary.sim.device;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubRecException;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** {@link DeviceClient} over an MQTT 5 {@link Mqtt5AsyncClient}. Thread-safe (the HiveMQ client is). */
final class Mqtt5DeviceClient implements DeviceClient {

    private final Mqtt5AsyncClient client;
    private final ClientSettings settings;

    Mqtt5DeviceClient(Mqtt5AsyncClient client, ClientSettings settings) {
        this.client = client;
        this.settings = settings;
    }

    @Override
    public CompletableFuture<Void> connect() {
        var connect = client.connectWith()
                .cleanStart(!settings.persistent())
                .sessionExpiryInterval(settings.persistent() ? settings.sessionExpirySeconds() : 0)
                .keepAlive(60);
        if (settings.username().isPresent()) {
            var auth = connect.simpleAuth().username(settings.username().get());
            if (settings.password().isPresent()) {
                auth = auth.password(settings.password().get().getBytes(StandardCharsets.UTF_8));
            }
            connect = auth.applySimpleAuth();
        }
        return connect.send().thenApply(ack -> null);
    }

    @Override
    public CompletableFuture<PublishAck> publish(String topic, byte[] payload, int qos) {
        return client.publishWith()
                .topic(topic)
                .qos(MqttQos.fromCode(qos))
                .payload(payload)
                .send()
                .handle((result, error) -> answer(result, error));
    }

    private static PublishAck answer(Mqtt5PublishResult result, Throwable error) {
        Throwable cause = error != null ? unwrap(error) : result.getError().orElse(null);
        if (cause instanceof Mqtt5PubAckException e) {
            return PublishAck.ofReason(e.getMqttMessage().getReasonCode().getCode());
        }
        if (cause instanceof Mqtt5PubRecException e) {
            return PublishAck.ofReason(e.getMqttMessage().getReasonCode().getCode());
        }
        if (cause != null) {
            throw new CompletionException(cause);
        }
        return PublishAck.OK;
    }

    private static Throwable unwrap(Throwable t) {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }

    @Override
    public CompletableFuture<Void> disconnect() {
        return client.disconnect().handle((v, e) -> null);
    }
}
