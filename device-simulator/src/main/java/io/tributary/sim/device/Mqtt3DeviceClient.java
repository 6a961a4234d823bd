package io.tributary.sim.device;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/**
 * {@link DeviceClient} over an MQTT 3.1.1 {@link Mqtt3AsyncClient}. 3.1.1 has no negative acknowledgement: an
 * edge that refuses withholds the ack, which shows up as an unacknowledged publish. Thread-safe.
 */
final class Mqtt3DeviceClient implements DeviceClient {

    private final Mqtt3AsyncClient client;
    private final ClientSettings settings;

    Mqtt3DeviceClient(Mqtt3AsyncClient client, ClientSettings settings) {
        this.client = client;
        this.settings = settings;
    }

    @Override
    public CompletableFuture<Void> connect() {
        var connect = client.connectWith().cleanSession(!settings.persistent()).keepAlive(60);
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
                .thenApply(p -> PublishAck.OK);
    }

    @Override
    public CompletableFuture<Void> disconnect() {
        return client.disconnect().handle((v, e) -> null);
    }
}
