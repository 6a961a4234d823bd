package io.tributary.sim.device;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubRecException;
import com.hivemq.client.mqtt.mqtt5.message.auth.Mqtt5SimpleAuth;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** {@link DeviceClient} over an MQTT 5 {@link Mqtt5AsyncClient}. Thread-safe (the HiveMQ client is). */
final class Mqtt5DeviceClient extends HiveMqDeviceClient<Mqtt5SimpleAuth> {

    private final Mqtt5AsyncClient client;

    Mqtt5DeviceClient(Mqtt5AsyncClient client, ClientSettings settings) {
        super(settings);
        this.client = client;
    }

    @Override
    Mqtt5SimpleAuth simpleAuth(String username, Optional<byte[]> password) {
        var auth = Mqtt5SimpleAuth.builder().username(username);
        return password.map(auth::password).orElse(auth).build();
    }

    @Override
    CompletableFuture<?> sendConnect(Optional<Mqtt5SimpleAuth> auth) {
        var connect = client.connectWith()
                .cleanStart(!settings.persistent())
                .sessionExpiryInterval(settings.persistent() ? settings.sessionExpirySeconds() : 0)
                .keepAlive(KEEP_ALIVE_SECONDS);
        return auth.map(connect::simpleAuth).orElse(connect).send();
    }

    @Override
    CompletableFuture<PublishAck> publish(String topic, byte[] payload, MqttQos qos) {
        return client.publishWith()
                .topic(topic)
                .qos(qos)
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
    CompletableFuture<Void> sendDisconnect() {
        return client.disconnect();
    }
}
