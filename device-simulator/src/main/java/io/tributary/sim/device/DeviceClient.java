package io.tributary.sim.device;

import java.util.concurrent.CompletableFuture;

/**
 * One device's MQTT connection, hiding whether it speaks 3.1.1 or 5. Implementations sit on the HiveMQ client's
 * asynchronous API and share its Netty event loops.
 *
 * <p>Threads: every method may be called from any thread and returns at once; futures complete on client threads,
 * so callbacks must be short and must not block.
 */
public interface DeviceClient {

    /** Connects (with the configured session and credentials); fails with the broker's refusal, if any. */
    CompletableFuture<Void> connect();

    /**
     * Publishes; the future completes when the broker acknowledged (QoS 1/2) or the publish was written (QoS 0),
     * and exceptionally when the client gave up on it.
     */
    CompletableFuture<PublishAck> publish(String topic, byte[] payload, int qos);

    /** Disconnects gracefully; completes (never exceptionally) once the connection is gone. */
    CompletableFuture<Void> disconnect();
}
