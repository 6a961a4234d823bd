package io.tributary.edge.mqtt;

import io.tributary.protocol.log.LogRateLimiter;
import java.time.Clock;

/** Everything the per-connection handlers share; immutable, its parts are thread-safe. */
record ServerContext(
        MqttServerConfig config,
        Authenticator authenticator,
        PublishSink sink,
        SessionRegistry sessions,
        MqttMetrics metrics,
        Clock clock,
        OncePerKey unmappedTopicWarnings,
        LogRateLimiter clientLog) {

    /** Topics whose refusal is logged at WARN (once each) before further ones go to DEBUG. */
    static final int MAX_WARNED_TOPICS = 1000;

    ServerContext(
            MqttServerConfig config,
            Authenticator authenticator,
            PublishSink sink,
            SessionRegistry sessions,
            MqttMetrics metrics,
            Clock clock) {
        this(
                config,
                authenticator,
                sink,
                sessions,
                metrics,
                clock,
                new OncePerKey(MAX_WARNED_TOPICS),
                ClientLog.limiter(metrics));
    }
}
