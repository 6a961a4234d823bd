package io.tributary.edge.bridge;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.edge.buffer.LanePosition;
import io.tributary.edge.mqtt.InboundPublish;
import io.tributary.edge.mqtt.PayloadFormat;
import io.tributary.edge.mqtt.SinkResult;
import io.tributary.edge.mqtt.TopicMapping;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.paho.client.mqttv3.IMqttActionListener;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallbackExtended;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Subscribes to an existing MQTT broker (e.g. Mosquitto on the gateway) and hands every message to a {@link
 * BridgeSink}, acknowledging it to the broker only once the sink reports it {@link SinkResult#STORED durable}.
 *
 * <p>Delivery contract: the session is persistent (clean session false, fixed client id) and acks are manual, so
 * whatever was not yet durable when the agent died is redelivered by the broker on the next connect. A redelivery of
 * a message that was stored but not yet acknowledged (the agent died, or the connection dropped, in between) is
 * recognised by its {@link RedeliveryMarks} entry, acknowledged without storing it again, counted in {@code
 * tributary_edge_bridge_duplicates_total} and logged. A
 * message whose topic does not match the {@link TopicMapping} cannot be stored; it is acknowledged, counted in {@code
 * tributary_edge_bridge_dropped_total} and logged at WARN once per topic. A refused store ({@code QUOTA_EXCEEDED}, {@code BUSY},
 * {@code FAILED}) is not acknowledged and is counted; since an MQTT 3.1.1 broker redelivers only on reconnect, the
 * bridge then drops and re-opens its connection after {@link BridgeConfig#reconnectDelay}. A message is stored twice
 * only when the agent dies or the link drops while its acknowledgement is on its way (see {@link RedeliveryMarks}). At
 * QoS 2 the MQTT client keeps the messages it answered with PUBREC in fsync'd files under the state directory until it
 * completes them, so that a crash before the bridge stored one does not lose it (the broker then only repeats PUBREL).
 *
 * <p>Meters: {@code tributary_edge_bridge_messages_total}, {@code tributary_edge_bridge_acks_total}, {@code
 * tributary_edge_bridge_duplicates_total}, {@code
 * tributary_edge_bridge_refusals_total{reason}}, {@code tributary_edge_bridge_dropped_total{reason}}.
 *
 * <p>Threads: {@link #start} and {@link #close} from one owner thread. Messages arrive on Paho's callback thread; the
 * sink's stage may complete on any thread, which then sends the ack through Paho (thread-safe). Retries run on one
 * private scheduler thread.
 */
public final class BrokerBridge implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BrokerBridge.class);
    private static final int MAX_WARNED_TOPICS = 1000;

    private final BridgeConfig config;
    private final BridgeSink sink;
    private final RedeliveryMarks marks;
    private final BridgeInbox inbox;
    private final Clock clock;
    private final MeterRegistry registry;
    private final MqttAsyncClient client;
    private final ScheduledExecutorService scheduler;
    private final Counter messages;
    private final Counter acks;
    private final Counter dropped;
    private final Counter duplicates;
    private final Set<String> warnedTopics = ConcurrentHashMap.newKeySet();
    /** Bumped whenever a connection ends; an ack for a message of an earlier connection is not sent. */
    private final AtomicLong generation = new AtomicLong();

    private final AtomicBoolean bounceScheduled = new AtomicBoolean();
    private volatile boolean closed;
    private volatile boolean subscribed;

    /**
     * @param stateDir where the MQTT client keeps its session state (QoS 2 messages it received and has not yet
     *     completed, fsync'd): without it a QoS 2 message the client answered with PUBREC would be lost by a crash
     *     before the bridge stored it, as the broker then only repeats PUBREL
     */
    public BrokerBridge(BridgeConfig config, BridgeSink sink, Path stateDir, MeterRegistry registry, Clock clock)
            throws MqttException {
        this.config = config;
        this.sink = sink;
        this.marks = new RedeliveryMarks(config.clientId(), sink);
        this.clock = clock;
        this.registry = registry;
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
        this.duplicates = Counter.builder("tributary.edge.bridge.duplicates")
                .description("Messages the broker redelivered after they were stored: acknowledged, not stored again")
                .register(registry);
        for (SinkResult r : SinkResult.values()) {
            if (r != SinkResult.STORED) {
                refusals(r); // registered up front: the series exist before the first refusal
            }
        }
        this.inbox = new BridgeInbox(stateDir.resolve(config.clientId().replaceAll("[^A-Za-z0-9._-]", "_")));
        this.client = new MqttAsyncClient(config.url(), config.clientId(), inbox);
        client.setManualAcks(true);
        client.setCallback(new Callback());
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "bridge-" + config.clientId());
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts connecting in the background; a broker that is not up yet is retried until {@link #close}. */
    public BrokerBridge start() {
        connect();
        return this;
    }

    /** Whether the bridge is connected and its subscription was granted on the current connection. */
    public boolean isSubscribed() {
        return subscribed && client.isConnected();
    }

    private MqttConnectOptions options() {
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(false);
        // reconnects are ours (connectionLost): each CONNACK's session-present flag must be seen
        o.setAutomaticReconnect(false);
        o.setKeepAliveInterval(30);
        config.username().ifPresent(u -> {
            o.setUserName(u);
            o.setPassword(config.password().toCharArray());
        });
        return o;
    }

    private void connect() {
        if (closed) {
            return;
        }
        try {
            client.connect(options(), null, new IMqttActionListener() {
                @Override
                public void onSuccess(IMqttToken token) {
                    connected(token.getSessionPresent());
                }

                @Override
                public void onFailure(IMqttToken token, Throwable e) {
                    log.warn("Bridge cannot connect to {}: {}; retrying", config.url(), e.toString());
                    later(BrokerBridge.this::connect);
                }
            });
        } catch (MqttException e) {
            log.warn("Bridge cannot connect to {}: {}; retrying", config.url(), e.toString());
            later(this::connect);
        }
    }

    private void later(Runnable task) {
        if (!closed) {
            scheduler.schedule(task, config.reconnectDelay().toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /**
     * After a CONNACK: a broker that kept our session redelivers what we did not acknowledge, so the marks stay valid;
     * one that starts a fresh session redelivers nothing, so every mark is voided (durably) before we subscribe.
     */
    private void connected(boolean sessionPresent) {
        if (sessionPresent) {
            subscribe();
            return;
        }
        Map<String, LanePosition> fresh = marks.freshSession();
        sink.mark(fresh).whenComplete((r, e) -> {
            if (e == null && r == SinkResult.STORED) {
                marks.committed(fresh);
                log.info(
                        "Bridge: {} has no session for '{}' (first connect, or it lost it); starting one",
                        config.url(),
                        config.clientId());
                subscribe();
            } else {
                refused(e != null || r == null ? SinkResult.FAILED : r);
            }
        });
    }

    private void subscribe() {
        String[] filters = config.topics().toArray(String[]::new);
        int[] qos = new int[filters.length];
        Arrays.fill(qos, config.qos());
        try {
            client.subscribe(filters, qos, null, new IMqttActionListener() {
                @Override
                public void onSuccess(IMqttToken token) {
                    int[] granted = token.getGrantedQos();
                    boolean all = true;
                    for (int i = 0; i < granted.length && i < filters.length; i++) {
                        if (granted[i] == 0x80) {
                            all = false;
                            log.error("Broker {} refused the subscription to '{}'", config.url(), filters[i]);
                        }
                    }
                    subscribed = all;
                    log.info("Bridge subscribed to {} on {} as '{}'", config.topics(), config.url(), config.clientId());
                }

                @Override
                public void onFailure(IMqttToken token, Throwable e) {
                    log.warn("Bridge subscription to {} failed: {}", config.topics(), e.toString());
                }
            });
        } catch (MqttException e) {
            log.warn("Bridge subscription to {} failed: {}", config.topics(), e.toString());
        }
    }

    private void arrived(String topic, MqttMessage message) {
        long gen = generation.get();
        messages.increment();
        Optional<TopicMapping.Match> mapped = config.mapping().match(topic);
        if (mapped.isEmpty()) {
            dropped.increment();
            if (warnedTopics.size() < MAX_WARNED_TOPICS && warnedTopics.add(topic)) {
                log.warn("Bridge drops messages on '{}': the topic does not match the topic template", topic);
            }
            ack(message, gen);
            return;
        }
        byte[] payload = message.getPayload();
        InboundPublish publish = new InboundPublish(
                config.clientId(),
                config.username().orElse(""),
                topic,
                mapped.get(),
                message.getQos(),
                payload,
                PayloadFormat.detect(payload),
                clock.millis(),
                Map.of());
        int id = message.getId();
        // QoS 2: the incarnation the client gave the message when it stored it, exact; QoS 1: topic and payload
        long incarnation = message.getQos() == 2 ? inbox.incarnation(id) : -1;
        boolean exact = incarnation >= 0;
        long identity = exact ? incarnation : RedeliveryMarks.hash(topic, payload);
        marks.storedAlready(id, identity).thenAccept(already -> {
            if (already) {
                duplicates.increment();
                log.info(
                        "Bridge: message {} on '{}' redelivered by the broker was stored already; acknowledging it"
                                + " without storing it again",
                        id,
                        topic);
                acknowledge(message, id, identity, exact, gen);
            } else {
                store(publish, message, id, identity, exact, gen);
            }
        });
    }

    private void store(InboundPublish publish, MqttMessage message, int id, long identity, boolean exact, long gen) {
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
                acknowledge(message, id, identity, exact, gen);
            } else {
                refused(r);
            }
        });
    }

    /**
     * An exact identity (a QoS 2 incarnation) is never reused, so its mark may stay STORED; a content hash must turn
     * ACKED before the broker may reuse the packet id.
     */
    private void acknowledge(MqttMessage message, int id, long identity, boolean exact, long gen) {
        if (exact) {
            ack(message, gen);
        } else {
            ackDurably(message, id, identity, gen);
        }
    }

    /** Turns the message's mark ACKED durably, then acknowledges: the broker may reuse the id only after that. */
    private void ackDurably(MqttMessage message, int id, long hash, long gen) {
        if (closed || gen != generation.get()) {
            return; // the connection is gone: the broker redelivers it, and finds the mark still STORED
        }
        Map<String, LanePosition> mark = marks.acking(id, hash);
        sink.mark(mark).whenComplete((result, error) -> {
            if (error == null && result == SinkResult.STORED) {
                marks.committed(mark);
                ack(message, gen);
            } else {
                refused(error != null || result == null ? SinkResult.FAILED : result); // redelivered, found STORED
            }
        });
    }

    private void ack(MqttMessage message, long gen) {
        if (closed || gen != generation.get()) {
            return; // the broker redelivers it on the new connection
        }
        try {
            client.messageArrivedComplete(message.getId(), message.getQos());
            acks.increment();
        } catch (MqttException | RuntimeException e) {
            log.debug("Bridge could not acknowledge message {}: {}", message.getId(), e.toString());
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
        if (!closed && bounceScheduled.compareAndSet(false, true)) {
            log.warn(
                    "Bridge could not store a message ({}); reconnecting in {} ms for redelivery",
                    result,
                    config.reconnectDelay().toMillis());
            later(this::bounce);
        }
    }

    /** Drops and re-opens the connection so that the broker redelivers every unacknowledged message. */
    private void bounce() {
        bounceScheduled.set(false);
        if (closed) {
            return;
        }
        generation.incrementAndGet();
        subscribed = false;
        try {
            client.disconnect(0).waitForCompletion(5000);
        } catch (MqttException e) {
            log.debug("Bridge disconnect before redelivery: {}", e.toString());
        }
        connect();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        generation.incrementAndGet();
        scheduler.shutdownNow();
        try {
            client.disconnectForcibly(0, 1000);
        } catch (MqttException e) {
            log.debug("Bridge disconnect: {}", e.toString());
        }
        try {
            client.close(true);
        } catch (MqttException e) {
            log.debug("Bridge close: {}", e.toString());
        }
    }

    private final class Callback implements MqttCallbackExtended {
        @Override
        public void connectComplete(boolean reconnect, String serverUri) {
            log.info("Bridge connected to {}", serverUri); // subscribing follows in connected()
        }

        @Override
        public void connectionLost(Throwable cause) {
            generation.incrementAndGet();
            subscribed = false;
            log.warn("Bridge lost its connection to {}: {}; reconnecting", config.url(), String.valueOf(cause));
            later(BrokerBridge.this::connect);
        }

        @Override
        public void messageArrived(String topic, MqttMessage message) {
            arrived(topic, message);
        }

        @Override
        public void deliveryComplete(IMqttDeliveryToken token) {
            // the bridge never publishes
        }
    }
}
