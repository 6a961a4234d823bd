package io.tributary.edge.bridge;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.edge.buffer.LanePosition;
import io.tributary.edge.mqtt.InboundPublish;
import io.tributary.edge.mqtt.MarkingSink;
import io.tributary.edge.mqtt.PayloadFormat;
import io.tributary.edge.mqtt.SinkResult;
import io.tributary.edge.mqtt.TopicMapping;
import java.time.Clock;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the bridge does with each message its MQTT client hands over, whatever the client: map the topic, recognise a
 * redelivery ({@link RedeliveryMarks}), store with the mark in one commit, and acknowledge only once that is durable
 * (after the mark turned ACKED where the identity is a content hash). Meters: {@code
 * tributary_edge_bridge_messages_total}, {@code _acks_total}, {@code _duplicates_total}, {@code
 * _refusals_total{reason}}, {@code _dropped_total{reason}}.
 *
 * <p>Threads: {@link #arrived} from the client's callback thread; continuations run on the sink's completing thread.
 */
final class BridgeDelivery {
    private static final Logger log = LoggerFactory.getLogger(BridgeDelivery.class);
    private static final int MAX_WARNED_TOPICS = 1000;

    /** The client's side of one message: acknowledging it on the connection it came on. */
    interface Ack {
        /** Whether the connection the message came on is still the current one (else it will be redelivered). */
        boolean current();

        /** Sends the acknowledgement (PUBACK, or at QoS 2 what completes it); false when it could not be sent. */
        boolean send();
    }

    private final BridgeConfig config;
    private final MarkingSink sink;
    private final RedeliveryMarks marks;
    private final Clock clock;
    private final MeterRegistry registry;
    /** Told of every refused store or mark: the connection then makes the broker redeliver. */
    private final Consumer<SinkResult> onRefused;

    private final Counter messages;
    private final Counter acks;
    private final Counter dropped;
    private final Counter duplicates;
    private final Counter droppedQos0;
    private final java.util.concurrent.atomic.AtomicBoolean qos0Warned =
            new java.util.concurrent.atomic.AtomicBoolean();
    private final Set<String> warnedTopics = ConcurrentHashMap.newKeySet();

    BridgeDelivery(
            BridgeConfig config,
            MarkingSink sink,
            MeterRegistry registry,
            Clock clock,
            Consumer<SinkResult> onRefused) {
        this.config = config;
        this.sink = sink;
        this.marks = new RedeliveryMarks(config.clientId(), sink);
        this.clock = clock;
        this.registry = registry;
        this.onRefused = onRefused;
        this.messages = Counter.builder("tributary.edge.bridge.messages")
                .description("Messages received from the bridged broker")
                .register(registry);
        this.acks = Counter.builder("tributary.edge.bridge.acks")
                .description("Bridged messages stored and acknowledged to the broker")
                .register(registry);
        this.dropped = Counter.builder("tributary.edge.bridge.dropped")
                .description("Bridged messages acknowledged without storing them, by reason")
                .tag("reason", "unmapped_topic")
                .register(registry);
        this.droppedQos0 = Counter.builder("tributary.edge.bridge.dropped")
                .description("Bridged messages acknowledged without storing them, by reason")
                .tag("reason", "qos0_refused")
                .register(registry);
        this.duplicates = Counter.builder("tributary.edge.bridge.duplicates")
                .description("Messages the broker redelivered after they were stored: acknowledged, not stored again")
                .register(registry);
        for (SinkResult r : SinkResult.values()) {
            if (r != SinkResult.STORED) {
                refusals(r); // registered up front: the series exist before the first refusal
            }
        }
    }

    RedeliveryMarks marks() {
        return marks;
    }

    /**
     * One message from the broker.
     *
     * @param incarnation the exact identity the client's state gave a QoS 2 message ({@link BridgeInbox}), or -1:
     *     then topic and payload identify it
     * @param attributes MQTT 5 user properties (empty for 3.1.1): the record's attributes
     */
    void arrived(
            String topic,
            byte[] payload,
            int qos,
            int packetId,
            long incarnation,
            Map<String, String> attributes,
            Ack ack) {
        messages.increment();
        Optional<TopicMapping.Match> mapped = config.mapping().match(topic);
        if (mapped.isEmpty()) {
            dropped.increment();
            if (warnedTopics.size() < MAX_WARNED_TOPICS && warnedTopics.add(topic)) {
                log.warn("Bridge drops messages on '{}': the topic does not match the topic template", topic);
            }
            send(ack);
            return;
        }
        InboundPublish publish = new InboundPublish(
                config.clientId(),
                config.username().orElse(""),
                topic,
                mapped.get(),
                qos,
                payload,
                PayloadFormat.detect(payload),
                clock.millis(),
                attributes);
        if (qos == 0) {
            // No packet id, no redelivery, nothing to acknowledge: stored as it comes (at most once), no marks.
            storeAtMostOnce(publish);
            return;
        }
        boolean exact = incarnation >= 0;
        long identity = exact ? incarnation : RedeliveryMarks.hash(topic, payload);
        marks.storedAlready(packetId, identity).thenAccept(already -> {
            if (already) {
                duplicates.increment();
                log.info(
                        "Bridge: message {} on '{}' redelivered by the broker was stored already; acknowledging it"
                                + " without storing it again",
                        packetId,
                        topic);
                acknowledge(packetId, identity, exact, ack);
            } else {
                store(publish, packetId, identity, exact, ack);
            }
        });
    }

    /** A QoS 0 message: a refusal loses it (the broker never sends it again), counted and logged, no reconnect. */
    private void storeAtMostOnce(InboundPublish publish) {
        CompletionStage<SinkResult> stored;
        try {
            stored = sink.store(publish, Map.of());
        } catch (RuntimeException e) {
            log.debug("Sink threw on a bridged message", e);
            stored = CompletableFuture.completedFuture(SinkResult.FAILED);
        }
        stored.whenComplete((result, error) -> {
            SinkResult r = error != null || result == null ? SinkResult.FAILED : result;
            if (r != SinkResult.STORED) {
                refusals(r).increment();
                droppedQos0.increment();
                if (qos0Warned.compareAndSet(false, true)) {
                    log.warn(
                            "Bridge lost a QoS 0 message on '{}': the buffer refused it ({}); QoS 0 is not sent again"
                                    + " (counted in tributary_edge_bridge_dropped_total, reason qos0_refused; logged once)",
                            publish.topic(),
                            r);
                }
            }
        });
    }

    private void store(InboundPublish publish, int id, long identity, boolean exact, Ack ack) {
        Map<String, LanePosition> mark = marks.storing(id, identity);
        CompletionStage<SinkResult> stored;
        try {
            stored = sink.store(publish, mark);
        } catch (RuntimeException e) {
            log.debug("Sink threw on a bridged message", e);
            stored = CompletableFuture.completedFuture(SinkResult.FAILED);
        }
        stored.whenComplete((result, error) -> {
            SinkResult r = error != null || result == null ? SinkResult.FAILED : result;
            marks.stored(id, mark, r == SinkResult.STORED);
            if (r == SinkResult.STORED) {
                acknowledge(id, identity, exact, ack);
            } else {
                refused(r);
            }
        });
    }

    /**
     * An exact identity (a QoS 2 incarnation) is never reused, so its mark may stay STORED; a content hash must turn
     * ACKED durably before the broker may reuse the packet id.
     */
    private void acknowledge(int id, long identity, boolean exact, Ack ack) {
        if (exact) {
            send(ack);
            return;
        }
        if (!ack.current()) {
            return; // the connection is gone: the broker redelivers it, and finds the mark still STORED
        }
        Map<String, LanePosition> mark = marks.acking(id, identity);
        sink.mark(mark).whenComplete((result, error) -> {
            if (error == null && result == SinkResult.STORED) {
                marks.committed(mark);
                send(ack);
            } else {
                refused(error != null || result == null ? SinkResult.FAILED : result); // redelivered, found STORED
            }
        });
    }

    private void send(Ack ack) {
        if (ack.current() && ack.send()) {
            acks.increment();
        }
    }

    private Counter refusals(SinkResult result) {
        return Counter.builder("tributary.edge.bridge.refusals")
                .description("Bridged messages the buffer refused (not acknowledged, redelivered), by reason")
                .tag("reason", result.name().toLowerCase(Locale.ROOT))
                .register(registry);
    }

    private void refused(SinkResult result) {
        refusals(result).increment();
        onRefused.accept(result);
    }
}
