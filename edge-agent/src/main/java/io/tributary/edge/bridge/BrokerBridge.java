package io.tributary.edge.bridge;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.edge.mqtt.InboundPublish;
import io.tributary.edge.mqtt.PayloadFormat;
import io.tributary.edge.mqtt.PublishSink;
import io.tributary.edge.mqtt.SinkResult;
import io.tributary.edge.mqtt.TopicMapping;
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
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Subscribes to an existing MQTT broker (e.g. Mosquitto on the gateway) and hands every message to a {@link
 * PublishSink}, acknowledging it to the broker only once the sink reports it {@link SinkResult#STORED durable}.
 *
 * <p>Delivery contract (at least once): the session is persistent (clean session false, fixed client id) and acks are
 * manual, so whatever was not yet durable when the agent died is redelivered by the broker on the next connect. A
 * message whose topic does not match the {@link TopicMapping} cannot be stored; it is acknowledged, counted in {@code
 * tributary_edge_bridge_dropped_total} and logged at WARN once per topic. A refused store ({@code QUOTA_EXCEEDED}, {@code BUSY},
 * {@code FAILED}) is not acknowledged and is counted; since an MQTT 3.1.1 broker redelivers only on reconnect, the
 * bridge then drops and re-opens its connection after {@link BridgeConfig#reconnectDelay}. Redelivery means the same
 * message can be stored twice (a store that completes after its connection was lost is not acknowledged).
 *
 * <p>Meters: {@code tributary_edge_bridge_messages_total}, {@code tributary_edge_bridge_acks_total}, {@code
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
    private final PublishSink sink;
    private final Clock clock;
    private final MeterRegistry registry;
    private final MqttAsyncClient client;
    private final ScheduledExecutorService scheduler;
    private final Counter messages;
    private final Counter acks;
    private final Counter dropped;
    private final Set<String> warnedTopics = ConcurrentHashMap.newKeySet();
    /** Bumped whenever a connection ends; an ack for a message of an earlier connection is not sent. */
    private final AtomicLong generation = new AtomicLong();

    private final AtomicBoolean bounceScheduled = new AtomicBoolean();
    private volatile boolean closed;
    private volatile boolean subscribed;

    public BrokerBridge(BridgeConfig config, PublishSink sink, MeterRegistry registry, Clock clock)
            throws MqttException {
        this.config = config;
        this.sink = sink;
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
        for (SinkResult r : SinkResult.values()) {
            if (r != SinkResult.STORED) {
                refusals(r); // registered up front: the series exist before the first refusal
            }
        }
        this.client = new MqttAsyncClient(config.url(), config.clientId(), new MemoryPersistence());
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
        o.setAutomaticReconnect(true);
        o.setMaxReconnectDelay(
                (int) Math.max(1000, Math.min(config.reconnectDelay().toMillis() * 10, 30_000)));
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
                    // subscribing happens in connectComplete, which also runs after automatic reconnects
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
        CompletionStage<SinkResult> stored;
        try {
            stored = sink.accept(publish);
        } catch (RuntimeException e) {
            log.debug("Sink threw on a bridged message", e);
            stored = CompletableFuture.completedFuture(SinkResult.FAILED);
        }
        stored.whenComplete((result, error) -> {
            SinkResult r = error != null || result == null ? SinkResult.FAILED : result;
            if (r == SinkResult.STORED) {
                ack(message, gen);
            } else {
                refused(r);
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
            log.info("Bridge {} to {}", reconnect ? "reconnected" : "connected", serverUri);
            subscribe();
        }

        @Override
        public void connectionLost(Throwable cause) {
            generation.incrementAndGet();
            subscribed = false;
            log.warn("Bridge lost its connection to {}: {}; reconnecting", config.url(), String.valueOf(cause));
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
