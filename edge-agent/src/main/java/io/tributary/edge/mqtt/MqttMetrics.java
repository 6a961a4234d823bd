package io.tributary.edge.mqtt;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Meters of the MQTT endpoint. Prometheus names (Micrometer appends {@code _total} to counters):
 *
 * <ul>
 *   <li>{@code tributary_edge_mqtt_connections} gauge: open, authenticated connections
 *   <li>{@code tributary_edge_mqtt_connects_total{result}}: CONNECT outcomes ({@code accepted}, {@code bad_credentials}, ...)
 *   <li>{@code tributary_edge_mqtt_publishes_total{qos}}: PUBLISH packets received after CONNECT
 *   <li>{@code tributary_edge_mqtt_acks_total{type}}: PUBACK / PUBREC / PUBCOMP sent, including negative ones
 *   <li>{@code tributary_edge_mqtt_publishes_refused_total{reason}}: publishes not stored or not acknowledged
 *   <li>{@code tributary_edge_mqtt_puback_latency_seconds}: receive to PUBACK/PUBREC write, histogram buckets
 *   <li>{@code tributary_edge_mqtt_malformed_packets_total{reason}}: decode failures and protocol violations
 *   <li>{@code tributary_edge_mqtt_disconnects_total{reason}}: connections closed by the server, by reason (e.g. {@code
 *       topic_unmapped}, {@code sink_failed}: an MQTT 3.1.1 publish that could not be stored, see PublishAcks)
 *   <li>{@code tributary_edge_mqtt_subscriptions} gauge: subscriptions held by the local broker, all sessions
 *   <li>{@code tributary_edge_mqtt_retained_messages} gauge: topics with a retained message
 *   <li>{@code tributary_edge_mqtt_subscriptions_refused_total{reason}}: SUBSCRIBE filters refused
 *   <li>{@code tributary_edge_mqtt_deliveries_total{qos}}: PUBLISH packets sent to local subscribers
 *   <li>{@code tributary_edge_mqtt_subscriber_waits_total{outcome}}: publishers' reads paused for a local subscriber's
 *       queue ({@link SubscriberWait}), by how the pause ended: {@code room} or {@code timeout}
 *   <li>{@code tributary_edge_mqtt_deliveries_dropped_total{reason}}: messages a matching subscriber did not get
 *       ({@code queue_full}, {@code offline}, {@code expired}, {@code too_large_for_client}, {@code disconnected};
 *       for persistent sessions {@code session_queue_full}, {@code session_ended} (queued when the session expired or
 *       was replaced), {@code session_store_failed} (the journal refused it)). The {@code
 *       tributary_edge_mqtt_sessions_*} meters are registered by {@link PersistentSessions} and
 *       {@link io.tributary.edge.mqtt.session.SessionStore}
 *   <li>{@code tributary_edge_mqtt_wills_total{outcome}}: Will Messages {@code published}, {@code refused} (not
 *       stored by the sink), {@code discarded} (DISCONNECT 0x00) or {@code cancelled} (reconnect within the will
 *       delay); every outcome exists at 0 from the start
 *   <li>{@code tributary_edge_mqtt_retained_journal_bytes} gauge, {@code
 *       tributary_edge_mqtt_retained_rebuilds_total{reason}}, {@code tributary_edge_mqtt_retained_compactions_total}:
 *       the durable retained-message store, when the server has a state directory
 *   <li>{@code tributary_edge_mqtt_log_suppressed_total{category}}: log lines about misbehaving clients left out by
 *       the rate limit ({@link ClientLog}), by category; every category exists at 0 from the start
 * </ul>
 *
 * <p>Thread-safe: Micrometer meters are. The per-publish meters are looked up once; the rare ones (connects,
 * refusals, malformed packets, disconnects) by tag on each call.
 */
public final class MqttMetrics {

    private static final Map<String, String> DESCRIPTIONS = Map.ofEntries(
            Map.entry(
                    "tributary.edge.mqtt.connects",
                    "CONNECT packets by outcome (accepted, bad_credentials, timeout, ...)"),
            Map.entry("tributary.edge.mqtt.publishes", "PUBLISH packets received after CONNECT, by QoS"),
            Map.entry("tributary.edge.mqtt.acks", "PUBACK, PUBREC and PUBCOMP packets sent, negative ones included"),
            Map.entry("tributary.edge.mqtt.publishes.refused", "Publishes not stored or not acknowledged, by reason"),
            Map.entry(
                    "tributary.edge.mqtt.malformed.packets",
                    "Packets that failed to decode or broke the protocol, by reason"),
            Map.entry("tributary.edge.mqtt.disconnects", "Connections the edge closed, by reason"),
            Map.entry("tributary.edge.mqtt.subscriptions.refused", "SUBSCRIBE topic filters refused, by reason"),
            Map.entry(
                    "tributary.edge.mqtt.deliveries.dropped",
                    "Messages a matching local subscriber did not get, by reason"),
            Map.entry(
                    "tributary.edge.mqtt.log.suppressed",
                    "Log lines about misbehaving clients left out by the rate limit, by category"),
            Map.entry(
                    "tributary.edge.mqtt.subscriber.waits",
                    "Publishers' reads paused until a local subscriber's queue had room, by how the pause ended"),
            Map.entry(
                    "tributary.edge.mqtt.wills",
                    "Will Messages by outcome (published, refused, discarded on DISCONNECT, cancelled by a reconnect)"));

    /** The outcomes of {@code tributary_edge_mqtt_wills_total}, each at 0 from the start. */
    static final java.util.List<String> WILL_OUTCOMES =
            java.util.List.of("published", "refused", "discarded", "cancelled");

    private final MeterRegistry registry;
    private final AtomicInteger connections = new AtomicInteger();
    private final Timer ackLatency;
    private final Counter[] publishes = new Counter[3];
    private final Counter pubacks;
    private final Counter pubrecs;
    private final Counter[] deliveries = new Counter[3];
    private final Map<String, Counter> dropped = new ConcurrentHashMap<>();
    private final Counter waitsForRoom;
    private final Counter waitsTimedOut;

    public MqttMetrics(MeterRegistry registry) {
        this.registry = registry;
        Gauge.builder("tributary.edge.mqtt.connections", connections, AtomicInteger::get)
                .description("Open, authenticated MQTT connections")
                .register(registry);
        for (int qos = 0; qos < publishes.length; qos++) {
            publishes[qos] = counter("tributary.edge.mqtt.publishes", "qos", Integer.toString(qos));
        }
        for (int qos = 0; qos < deliveries.length; qos++) {
            deliveries[qos] = Counter.builder("tributary.edge.mqtt.deliveries")
                    .description("PUBLISH packets sent to local subscribers, by QoS")
                    .tag("qos", Integer.toString(qos))
                    .register(registry);
        }
        waitsForRoom = counter("tributary.edge.mqtt.subscriber.waits", "outcome", "room");
        waitsTimedOut = counter("tributary.edge.mqtt.subscriber.waits", "outcome", "timeout");
        pubacks = counter("tributary.edge.mqtt.acks", "type", "puback");
        pubrecs = counter("tributary.edge.mqtt.acks", "type", "pubrec");
        for (String outcome : WILL_OUTCOMES) {
            counter("tributary.edge.mqtt.wills", "outcome", outcome);
        }
        for (String category : ClientLog.CATEGORIES) {
            counter("tributary.edge.mqtt.log.suppressed", "category", category);
        }
        // buckets only (quantiles in Prometheus: histogram_quantile): client-side percentiles cost more per
        // publish than the rest of the meters together
        this.ackLatency = Timer.builder("tributary.edge.mqtt.puback.latency")
                .description("Time from receiving a QoS 1/2 PUBLISH to writing its PUBACK or PUBREC")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(30))
                .register(registry);
    }

    /** The registry these meters are in, for the parts that register their own. */
    MeterRegistry registry() {
        return registry;
    }

    void connectionOpened() {
        connections.incrementAndGet();
    }

    void connectionClosed() {
        connections.decrementAndGet();
    }

    /** Open authenticated connections; for tests and health output. */
    public int connections() {
        return connections.get();
    }

    void connect(String result) {
        counter("tributary.edge.mqtt.connects", "result", result).increment();
    }

    void publish(int qos) {
        publishes[qos].increment();
    }

    /** A PUBACK (QoS 1) or PUBREC (QoS 2) written. */
    void publishAck(int qos) {
        (qos == 1 ? pubacks : pubrecs).increment();
    }

    void ack(String type) {
        counter("tributary.edge.mqtt.acks", "type", type).increment();
    }

    void refused(String reason) {
        counter("tributary.edge.mqtt.publishes.refused", "reason", reason).increment();
    }

    void malformed(String reason) {
        counter("tributary.edge.mqtt.malformed.packets", "reason", reason).increment();
    }

    void disconnect(String reason) {
        counter("tributary.edge.mqtt.disconnects", "reason", reason).increment();
    }

    /** Registers the gauges of the local broker; called once by the server. */
    void brokerGauges(java.util.function.IntSupplier subscriptions, java.util.function.IntSupplier retained) {
        // strong references: the suppliers are method references nobody else holds
        Gauge.builder("tributary.edge.mqtt.subscriptions", subscriptions, s -> s.getAsInt())
                .description("Subscriptions held by the local broker, over all sessions")
                .strongReference(true)
                .register(registry);
        Gauge.builder("tributary.edge.mqtt.retained.messages", retained, s -> s.getAsInt())
                .description("Topics with a retained message")
                .strongReference(true)
                .register(registry);
    }

    void delivered(int qos) {
        deliveries[qos].increment();
    }

    void deliveryDropped(String reason) {
        // looked up once per reason: a subscriber that cannot keep up drops at the publishers' rate
        dropped.computeIfAbsent(reason, r -> counter("tributary.edge.mqtt.deliveries.dropped", "reason", r))
                .increment();
    }

    /** A publisher's pause for a subscriber's queue ended: room made, or {@code mqtt.subscriber-wait} over. */
    void subscriberWait(boolean timedOut) {
        (timedOut ? waitsTimedOut : waitsForRoom).increment();
    }

    void subscriptionRefused(String reason) {
        counter("tributary.edge.mqtt.subscriptions.refused", "reason", reason).increment();
    }

    void logSuppressed(String category) {
        counter("tributary.edge.mqtt.log.suppressed", "category", category).increment();
    }

    void will(String outcome) {
        counter("tributary.edge.mqtt.wills", "outcome", outcome).increment();
    }

    /** The meters of a durable retained-message store ({@link DurableRetainedMessages}); rebuild reasons at 0. */
    void retainedStore(java.util.function.LongSupplier journalBytes) {
        Gauge.builder("tributary.edge.mqtt.retained.journal", journalBytes::getAsLong)
                .description("Size of the retained-message journal (compacted past a threshold)")
                .baseUnit("bytes")
                .register(registry);
        for (String reason : RETAINED_REBUILD_REASONS) {
            retainedRebuild(reason);
        }
        retainedCompactions();
    }

    /** Reasons a retained-message view is rebuilt from its journal at start. */
    static final java.util.List<String> RETAINED_REBUILD_REASONS = io.tributary.edge.state.MapDbView.REBUILD_REASONS;

    void retainedRebuilt(String reason) {
        retainedRebuild(reason).increment();
    }

    void retainedCompacted() {
        retainedCompactions().increment();
    }

    private Counter retainedRebuild(String reason) {
        return Counter.builder("tributary.edge.mqtt.retained.rebuilds")
                .description("Start-ups that rebuilt the retained-message view (MapDB) from the journal, by reason")
                .tag("reason", reason)
                .register(registry);
    }

    private Counter retainedCompactions() {
        return Counter.builder("tributary.edge.mqtt.retained.compactions")
                .description("Rewrites of the retained-message journal as a snapshot of the live topics")
                .register(registry);
    }

    void ackLatency(long nanos) {
        ackLatency.record(nanos, TimeUnit.NANOSECONDS);
    }

    private Counter counter(String name, String tag, String value) {
        return Counter.builder(name)
                .description(DESCRIPTIONS.get(name))
                .tag(tag, value)
                .register(registry);
    }
}
