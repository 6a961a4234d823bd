package io.tributary.edge.mqtt.session;

import java.util.List;

/**
 * A QoS 1/2 message queued for a persistent session, as journaled.
 *
 * @param seq its journal sequence: its identity for {@link SessionStore#released} and {@link SessionStore#acked}
 * @param packetId the packet id it is (re)sent with, fixed when it was queued so that a resend after a restart uses
 *     the same one (the client's QoS 2 duplicate detection depends on it)
 * @param qos the QoS it is delivered at (1 or 2)
 * @param retain the RETAIN flag it is delivered with
 * @param subscriptionIds the MQTT 5 Subscription Identifiers it carries
 * @param message the broker's encoding of the message (opaque to the store)
 * @param released true once the client sent PUBREC for it (QoS 2): it is resumed with PUBREL, not resent
 */
public record StoredMessage(
        long seq,
        int packetId,
        int qos,
        boolean retain,
        List<Integer> subscriptionIds,
        byte[] message,
        boolean released) {}
