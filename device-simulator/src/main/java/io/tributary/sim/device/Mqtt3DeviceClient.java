package io.tributary.sim.device;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.hivemq.client.mqtt.mqtt3.message.auth.Mqtt3SimpleAuth;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * {@link DeviceClient} over an MQTT 3.1.1 {@link Mqtt3AsyncClient}. 3.1.1 has no negative acknowledgement: an
 * edge that refuses withholds the ack, which shows up as an unacknowledged publish. Thread-safe.
 */
final class Mqtt3DeviceClient extends HiveMqDeviceClient<Mqtt3SimpleAuth> {

    private final Mqtt3AsyncClient client;

    Mqtt3DeviceClient(Mqtt3AsyncClient client, ClientSettings settings) {
        super(settings);
        this.client = client;
    }

    @Override
    Mqtt3SimpleAuth simpleAuth(String username, Optional<byte[]> password) {
        var auth = Mqtt3SimpleAuth.builder().username(username);
        return password.map(auth::password).orElse(auth).build();
    }

    @Override
    CompletableFuture<?> sendConnect(Optional<Mqtt3SimpleAuth> auth) {
        var connect = client.connectWith().cleanSession(!settings.persistent()).keepAlive(KEEP_ALIVE_SECONDS);
        return auth.map(connect::simpleAuth).orElse(connect).send();
    }

    @Override
    CompletableFuture<PublishAck> publish(String topic, byte[] payload, MqttQos qos) {
        return client.publishWith()
                .topic(topic)
                .qos(qos)
                .payload(payload)
                .send()
                .thenApply(p -> PublishAck.OK);
    }

    @Override
    CompletableFuture<Void> sendDisconnect() {
        return client.disconnect();
    }
}
