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
        ServerAccess access) {

    /** Topics whose refusal is logged at WARN (once each) before further ones go to DEBUG. */
    static final int MAX_WARNED_TOPICS = 1000;

    /**
     * The context of a new server: a broker with {@code retained} and no subscriptions, no sessions; {@code access}
     * decides who connects and what they may do.
     */
    static ServerContext create(
            MqttServerConfig config,
            PublishSink sink,
            MqttMetrics metrics,
            Clock clock,
            RetainedMessages retained,
            ServerAccess access) {
        DeliveryDrops drops = new DeliveryDrops(metrics);
        LocalBroker broker = new LocalBroker(retained, drops);
        return new ServerContext(
                config,
                sink,
                new SessionRegistry(broker::drop),
                metrics,
                clock,
                new OncePerKey(MAX_WARNED_TOPICS),
                ClientLog.limiter(metrics),
                drops,
                broker,
                new Wills(config, sink, broker, metrics, clock),
                access);
    }
}
