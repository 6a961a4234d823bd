package io.tributary.edge.mqtt;

import io.tributary.edge.mqtt.pubsub.Subscription;
import java.util.List;

/**
 * One session the MQTT endpoint holds, connected or not, as it was at one moment; for the console and the local
 * API. Immutable.
 *
 * @param clientId the client identifier (chosen by the client: any text)
 * @param connected a connection holds it now
 * @param persistent it outlives its connection (clean session 0, or an MQTT 5 Session Expiry Interval above 0): its
 *     QoS 1/2 messages are queued while it is away
 * @param expirySeconds its session expiry interval (as capped by {@code mqtt.session-expiry-max}); 0 for a session
 *     that ends with its connection
 * @param expiresAtMillis when a detached session is removed unless its client comes back (epoch ms); 0 while a
 *     connection holds it
 * @param subscriptions its subscriptions, by the filter as the client wrote it ({@link Subscription#key()})
 * @param queuedMessages QoS 1/2 messages queued for it and not acknowledged yet (in flight included); 0 when not
 *     persistent
 * @param queuedBytes their size as stored
 * @param inboundQos2 packet ids of QoS 2 publishes from the client held between PUBLISH and PUBREL
 */
public record SessionInfo(
        String clientId,
        boolean connected,
        boolean persistent,
        long expirySeconds,
        long expiresAtMillis,
        List<Subscription> subscriptions,
        int queuedMessages,
        long queuedBytes,
        int inboundQos2) {

    public SessionInfo {
        subscriptions = List.copyOf(subscriptions);
    }
}
