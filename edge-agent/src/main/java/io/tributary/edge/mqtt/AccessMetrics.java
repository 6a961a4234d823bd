package io.tributary.edge.mqtt;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Map;

/**
 * Meters of access control on the MQTT listener (Prometheus names):
 *
 * <ul>
 *   <li>{@code tributary_edge_mqtt_access_denied_total{action,reason}}: refusals by what was refused and why; every
 *       pair of {@link #REASONS} exists at 0 from the start
 *   <li>{@code tributary_edge_mqtt_publish_throttles_total}: times a connection's reads were paused for exceeding
 *       {@code mqtt.limits.publish-rate}
 * </ul>
 *
 * Thread-safe.
 */
final class AccessMetrics {

    /** The reasons of each action. */
    static final Map<String, List<String>> REASONS = Map.of(
            "connect",
            List.of(
                    "bad_credentials",
                    "not_authorized",
                    "identity_mismatch",
                    "no_certificate_identity",
                    "will_denied",
                    "connection_limit",
                    "identity_connection_limit",
                    "verifier_busy"),
            "publish",
            List.of("acl"),
            "subscribe",
            List.of("acl", "subscription_limit"));

    private final MeterRegistry registry;
    private final Counter throttles;

    AccessMetrics(MeterRegistry registry) {
        this.registry = registry;
        REASONS.forEach((action, reasons) -> reasons.forEach(reason -> counter(action, reason)));
        this.throttles = Counter.builder("tributary.edge.mqtt.publish.throttles")
                .description("Times a connection's reads were paused for exceeding mqtt.limits.publish-rate")
                .register(registry);
    }

    void denied(String action, String reason) {
        counter(action, reason).increment();
    }

    void throttled() {
        throttles.increment();
    }

    private Counter counter(String action, String reason) {
        if (!REASONS.getOrDefault(action, List.of()).contains(reason)) {
            throw new IllegalArgumentException("unknown access refusal " + action + "/" + reason);
        }
        return Counter.builder("tributary.edge.mqtt.access.denied")
                .description(
                        "Connections, publishes and subscriptions refused by access control, by action and" + " reason")
                .tag("action", action)
                .tag("reason", reason)
                .register(registry);
    }
}
