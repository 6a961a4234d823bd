package io.tributary.edge.mqtt.session;

import io.tributary.edge.mqtt.pubsub.Subscription;
import java.util.List;

/**
 * A persistent session as the {@link SessionStore} found it at start.
 *
 * @param clientId the client identifier
 * @param expirySeconds how long the session outlives its connection
 * @param detachedAtMillis wall-clock time its connection ended; 0 when it was connected when the agent stopped (its
 *     expiry then runs from the restart)
 * @param subscriptions its subscriptions, in the order they were made
 * @param queued the QoS 1/2 messages not yet acknowledged by the client, oldest first
 */
public record StoredSession(
        String clientId,
        long expirySeconds,
        long detachedAtMillis,
        List<Subscription> subscriptions,
        List<StoredMessage> queued) {}
