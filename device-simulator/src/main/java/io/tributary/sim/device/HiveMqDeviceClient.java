package io.tributary.sim.device;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * What the MQTT 3.1.1 and MQTT 5 {@link DeviceClient}s share: the run's settings, when to log in and with what bytes,
 * the keep-alive, the QoS of a publish and a disconnect that never fails. A subclass only turns these into its
 * protocol version's HiveMQ builder calls, whose types the two versions do not share. Thread-safe when the subclass
 * is (the HiveMQ clients are).
 *
 * @param <A> the version's simple-authentication message
 */
abstract class HiveMqDeviceClient<A> implements DeviceClient {

    /** Seconds of silence after which the broker may drop the connection (the client pings before that). */
    static final int KEEP_ALIVE_SECONDS = 60;

    final ClientSettings settings;

    HiveMqDeviceClient(ClientSettings settings) {
        this.settings = settings;
    }

    @Override
    public final CompletableFuture<Void> connect() {
        Optional<A> auth = settings.username()
                .map(user -> simpleAuth(user, settings.password().map(p -> p.getBytes(StandardCharsets.UTF_8))));
        return sendConnect(auth).thenApply(ack -> null);
    }

    @Override
    public final CompletableFuture<PublishAck> publish(String topic, byte[] payload, int qos) {
        return publish(topic, payload, MqttQos.fromCode(qos));
    }

    @Override
    public final CompletableFuture<Void> disconnect() {
        return sendDisconnect().handle((v, e) -> null);
    }

    /** The version's simple authentication of a user name and, if there is one, a password. */
    abstract A simpleAuth(String username, Optional<byte[]> password);

    /**
     * Sends CONNECT with the settings' session (clean or persistent), {@link #KEEP_ALIVE_SECONDS} and {@code auth}
     * when present; completes with the broker's CONNACK.
     */
    abstract CompletableFuture<?> sendConnect(Optional<A> auth);

    /** Publishes; see {@link DeviceClient#publish}. */
    abstract CompletableFuture<PublishAck> publish(String topic, byte[] payload, MqttQos qos);

    /** Sends DISCONNECT; may complete exceptionally (when the connection is already gone, for one). */
    abstract CompletableFuture<Void> sendDisconnect();
}
