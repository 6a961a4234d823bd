package io.tributary.edge.mqtt;

import io.tributary.protocol.log.LogRateLimiter;
import java.time.Clock;

/** Everything the per-connection handlers share; immutable, its parts are thread-safe. */
record ServerContext(
        MqttServerConfig config,
        PublishSink sink,
        SessionRegistry sessions,
        MqttMetrics metrics,
        Clock clock,
        OncePerKey unmappedTopicWarnings,
        LogRateLimiter clientLog,
        DeliveryDrops deliveryDrops,
        LocalBroker broker,
        Wills wills,
        ServerAccess access,
        PersistentSessions persistentSessions) {

    /** Topics whose refusal is logged at WARN (once each) before further ones go to DEBUG. */
    static final int MAX_WARNED_TOPICS = 1000;

    /**
     * The context of a new server: a broker with {@code retained} and no subscriptions, no sessions yet (stored ones
     * are restored by the server at start); {@code access} decides who connects and what they may do; persistent
     * sessions journaled in {@code sessionStore}, or kept in memory when it is null.
     */
    static ServerContext create(
            MqttServerConfig config,
            PublishSink sink,
            MqttMetrics metrics,
            Clock clock,
            RetainedMessages retained,
            ServerAccess access,
            io.tributary.edge.mqtt.session.SessionStore sessionStore) {
        DeliveryDrops drops = new DeliveryDrops(metrics);
        LocalBroker broker = new LocalBroker(retained, drops);
        PersistentSessions persistent = new PersistentSessions(
                sessionStore,
                config.sessionLimits(),
                drops,
                InboundReceipts.create(sink, sessionStore != null, metrics.registry()),
                clock,
                metrics.registry());
        broker.persistentSessions(persistent);
        return new ServerContext(
                config,
                sink,
                new SessionRegistry(broker::drop, persistent, sessionStore, clock),
                metrics,
                clock,
                new OncePerKey(MAX_WARNED_TOPICS),
                ClientLog.limiter(metrics),
                drops,
                broker,
                new Wills(config, sink, broker, metrics, clock),
                access,
                persistent);
    }
}
