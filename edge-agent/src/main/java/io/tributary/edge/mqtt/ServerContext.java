package io.tributary.edge.mqtt;

import java.time.Clock;

/** Everything the per-connection handlers share; immutable, its parts are thread-safe. */
record ServerContext(
        MqttServerConfig config,
        Authenticator authenticator,
        PublishSink sink,
        SessionRegistry sessions,
        MqttMetrics metrics,
        Clock clock) {}
