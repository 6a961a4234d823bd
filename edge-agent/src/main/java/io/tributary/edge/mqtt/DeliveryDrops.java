package io.tributary.edge.mqtt;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Accounting of messages a local subscriber does not get: each is counted in
 * {@code tributary_edge_mqtt_deliveries_dropped_total{reason}}; the first per subscriber and reason is logged at WARN
 * (bounded per reason, see {@link OncePerKey}), the rest at DEBUG. Thread-safe.
 */
final class DeliveryDrops {

    private static final Logger log = LoggerFactory.getLogger(DeliveryDrops.class);
    private static final int MAX_WARNED = 1000;

    private final MqttMetrics metrics;
    /** Per reason, the subscribers warned of it: no key built per drop (a full queue drops at the publishers' rate). */
    private final Map<String, OncePerKey> warned = new ConcurrentHashMap<>();

    DeliveryDrops(MqttMetrics metrics) {
        this.metrics = metrics;
    }

    void dropped(String clientId, String topic, String reason) {
        metrics.deliveryDropped(reason);
        if (warned.computeIfAbsent(reason, r -> new OncePerKey(MAX_WARNED)).first(clientId)) {
            log.warn(
                    "Dropped a message on '{}' for subscriber {}: {} (further {} drops for this subscriber at DEBUG;"
                            + " counted in tributary_edge_mqtt_deliveries_dropped_total)",
                    topic,
                    clientId,
                    reason,
                    reason);
        } else {
            log.debug("Dropped a message on '{}' for subscriber {}: {}", topic, clientId, reason);
        }
    }
}
