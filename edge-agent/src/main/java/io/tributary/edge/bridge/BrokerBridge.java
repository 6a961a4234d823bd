package io.tributary.edge.bridge;

import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.edge.buffer.LanePosition;
import io.tributary.edge.mqtt.SinkResult;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.Map;
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
 * Subscribes to an existing MQTT broker (e.g. Mosquitto on the gateway) through Paho (MQTT 3.1.1) and hands every
 * message to {@link BridgeDelivery}, which stores it in the {@link BridgeSink} and acknowledges it to the broker only
 * once it is durable, recognising redeliveries of what it stored already (see {@link RedeliveryMarks}).
 *
 * <p>Connection contract: the session is persistent (clean session false, fixed client id) and acks are manual, so
 * whatever was not yet durable when the agent died is redelivered by the broker on the next connect. Reconnects are
 * this class's own (not Paho's automatic ones) so that every CONNACK's session-present flag is seen. A refused store
 * ({@code QUOTA_EXCEEDED}, {@code BUSY}, {@code FAILED}) is not acknowledged; since an MQTT 3.1.1 broker redelivers
 * only on reconnect, the bridge then drops and re-opens its connection after {@link BridgeConfig#reconnectDelay}. At
 * QoS 2 Paho answers PUBREC before it hands a message over, so its state is {@link BridgeInbox} (fsync'd files under
 * the state directory): a crash before the bridge stored one does not lose it (the broker then only repeats PUBREL).
 *
 * <p>Threads: {@link #start} and {@link #close} from one owner thread. Messages arrive on Paho's callback thread; the
 * sink's stage may complete on any thread, which then sends the ack through Paho (thread-safe). Retries run on one
 * private scheduler thread.
 */
public final class BrokerBridge implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BrokerBridge.class);

    private final BridgeConfig config;
    private final BridgeSink sink;
    private final BridgeDelivery delivery;
    private final BridgeInbox inbox;
    private final MqttAsyncClient client;
    private final ScheduledExecutorService scheduler;
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
        this.delivery = new BridgeDelivery(config, sink, registry, clock, this::refused);
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
        Map<String, LanePosition> fresh = delivery.marks().freshSession();
        sink.mark(fresh).whenComplete((r, e) -> {
            if (e == null && r == SinkResult.STORED) {
                delivery.marks().committed(fresh);
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
        int id = message.getId();
        // QoS 2: the incarnation the client gave the message when it stored it (exact); QoS 1: none
        long incarnation = message.getQos() == 2 ? inbox.incarnation(id) : -1;
        delivery.arrived(topic, message.getPayload(), message.getQos(), id, incarnation, new BridgeDelivery.Ack() {
            @Override
            public boolean current() {
                return !closed && gen == generation.get();
            }

            @Override
            public boolean send() {
                try {
                    client.messageArrivedComplete(id, message.getQos());
                    return true;
                } catch (MqttException | RuntimeException e) {
                    log.debug("Bridge could not acknowledge message {}: {}", id, e.toString());
                    return false;
                }
            }
        });
    }

    private void refused(SinkResult result) {
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
