package io.tributary.edge.mqtt;

import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * The retained message of each topic (MQTT 3.1.1 §3.3.1.3, 5 §3.3.1.3): the last PUBLISH with RETAIN set and a
 * non-empty payload; a retained PUBLISH with an empty payload clears it. Kept behind this interface so that a
 * durable store can replace the in-memory one without touching the broker.
 *
 * <p>Threads: every method may be called from any thread at once.
 */
interface RetainedMessages {

    /**
     * Stores {@code message} as the retained message of its topic, or clears the topic if its payload is empty.
     * Does not block.
     *
     * @return completes once the change is durable and visible to {@link #matching} (at once for a store in
     *     memory); fails when it could not be stored
     */
    CompletionStage<Void> retain(LocalMessage message);

    /**
     * The retained messages whose topics match {@code filter} (a valid, non-shared filter; {@code $} topics follow
     * the wildcard rules), leaving out those whose Message Expiry Interval has passed at {@code nowMillis}.
     */
    List<LocalMessage> matching(String filter, long nowMillis);

    /** Topics with a retained message. */
    int size();
}
