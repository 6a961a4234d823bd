package io.tributary.edge.mqtt.pubsub;

import java.util.Objects;

/**
 * One subscription of one session, as granted. Immutable.
 *
 * @param filter the topic filter, without the {@code $share/<group>/} prefix
 * @param group the share name of a shared subscription, null otherwise
 * @param qos granted maximum QoS, 0..2
 * @param noLocal MQTT 5 No Local: messages the subscriber published itself are not delivered to it
 * @param retainAsPublished MQTT 5 Retain As Published: forwarded messages keep their RETAIN flag
 * @param retainHandling MQTT 5 Retain Handling: 0 send retained messages on subscribe, 1 only for a new
 *     subscription, 2 never
 * @param subscriptionId MQTT 5 Subscription Identifier, 0 for none
 */
public record Subscription(
        String filter,
        String group,
        int qos,
        boolean noLocal,
        boolean retainAsPublished,
        int retainHandling,
        int subscriptionId) {

    public Subscription {
        Objects.requireNonNull(filter, "filter");
        if (qos < 0 || qos > 2) {
            throw new IllegalArgumentException("qos must be 0..2: " + qos);
        }
    }

    /** A plain subscription with default options (MQTT 3.1.1). */
    public static Subscription of(String filter, int qos) {
        return new Subscription(filter, null, qos, false, false, 0, 0);
    }

    public boolean shared() {
        return group != null;
    }

    /** The key of this subscription within a session: the filter as the client wrote it. */
    public String key() {
        return group == null ? filter : TopicFilters.SHARE_PREFIX + group + "/" + filter;
    }
}
