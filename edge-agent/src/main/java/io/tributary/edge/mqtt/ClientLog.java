package io.tributary.edge.mqtt;

import io.tributary.protocol.log.LogRateLimiter;
import java.util.Set;

/**
 * The categories of log lines a client can cause on the MQTT listener, each rate-limited on its own ({@link
 * LogRateLimiter}: at most {@value LogRateLimiter#DEFAULT_LINES} a minute, the rest counted in {@code
 * tributary_edge_mqtt_log_suppressed_total{category}}), so that a client that reconnects with a wrong password, sends
 * garbage or publishes to random topics in a loop cannot flood the gateway's log or disk.
 */
final class ClientLog {
    static final String CONNECT_REFUSED = "connect_refused";
    static final String CONNECT_TIMEOUT = "connect_timeout";
    static final String PROTOCOL = "protocol";
    static final String TLS = "tls";
    static final String ERROR = "error";
    static final String SUBSCRIBE = "subscribe";
    static final String TOPIC_UNMAPPED = "topic_unmapped";
    static final String KEEPALIVE = "keepalive";
    static final String SESSION_TAKEOVER = "session_takeover";
    static final String ACCESS_DENIED = "access_denied";
    static final String SLOW_SUBSCRIBER = "slow_subscriber";

    static final Set<String> CATEGORIES = Set.of(
            CONNECT_REFUSED,
            CONNECT_TIMEOUT,
            PROTOCOL,
            TLS,
            ERROR,
            SUBSCRIBE,
            TOPIC_UNMAPPED,
            KEEPALIVE,
            SESSION_TAKEOVER,
            ACCESS_DENIED,
            SLOW_SUBSCRIBER);

    private ClientLog() {}

    static LogRateLimiter limiter(MqttMetrics metrics) {
        return LogRateLimiter.withDefaults(CATEGORIES, metrics::logSuppressed);
    }
}
