package io.tributary.edge.bridge;

import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.edge.buffer.LanePosition;
import io.tributary.edge.mqtt.MarkingSink;
import io.tributary.edge.mqtt.SinkResult;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Subscribes to an existing MQTT broker (e.g. Mosquitto on the gateway) and hands every message to {@link
 * BridgeDelivery}, which stores it in the {@link MarkingSink} and acknowledges it to the broker only once it is durable,
 * recognising redeliveries of what it stored already (see {@link RedeliveryMarks}). {@link #create} picks the MQTT
 * client by {@link BridgeConfig#mqttVersion}: {@link Mqtt3Bridge} (Paho, MQTT 3.1.1) or {@link Mqtt5Bridge} (Paho,
 * MQTT 5); this class is the connection life both share.
 *
 * <p>Connection contract: the session is persistent (no clean start, fixed client id) and acks are manual, so whatever
 * was not yet durable when the agent died is redelivered by the broker on the next connect. Reconnects are this
 * class's own (not the client's automatic ones) so that every CONNACK's session-present flag is seen: a broker that
 * starts a fresh session redelivers nothing, so the marks are voided (durably) before subscribing. A refused store
 * ({@code QUOTA_EXCEEDED}, {@code BUSY}, {@code FAILED}) is not acknowledged; as a broker redelivers only on
 * reconnect, the bridge then drops and re-opens its connection after {@link BridgeConfig#reconnectDelay}.
 *
 * <p>Threads: {@link #start} and {@link #close} from one owner thread. Messages arrive on the client's callback
 * thread; the sink's stage may complete on any thread, which then sends the ack through the client (thread-safe).
 * Retries run on one private scheduler thread.
 */
public abstract class BrokerBridge implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BrokerBridge.class);

    protected final BridgeConfig config;
    protected final BridgeDelivery delivery;
    private final MarkingSink sink;
    private final ScheduledExecutorService scheduler;
    /** Bumped whenever a connection ends; an ack for a message of an earlier connection is not sent. */
    private final AtomicLong generation = new AtomicLong();

    private final AtomicBoolean bounceScheduled = new AtomicBoolean();
    private volatile boolean closed;
    private volatile boolean subscribed;
    /** Set while {@link #bounce} ends the connection itself: that is not a loss to react to. */
    private volatile boolean bouncing;
    /**
     * A fresh session's void could not be made durable: it is written at the next CONNACK whatever that says (the broker
     * keeps the session it created meanwhile, so the next CONNACK says "present").
     */
    private volatile boolean voidOwed;

    protected BrokerBridge(BridgeConfig config, MarkingSink sink, MeterRegistry registry, Clock clock) {
        this.config = config;
        this.sink = sink;
        this.delivery = new BridgeDelivery(config, sink, registry, clock, this::refused);
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "bridge-" + config.clientId());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * The bridge for {@code config}'s MQTT version, not started.
     *
     * @param stateDir where the MQTT client keeps its session state ({@link BridgeInbox})
     * @throws IOException when the MQTT client cannot be created (e.g. a malformed URL)
     */
    public static BrokerBridge create(
            BridgeConfig config, MarkingSink sink, Path stateDir, MeterRegistry registry, Clock clock)
            throws IOException {
        Path dir = stateDir.resolve(config.clientId().replaceAll("[^A-Za-z0-9._-]", "_"));
        try {
            return config.mqttVersion() == 5
                    ? new Mqtt5Bridge(config, sink, registry, clock)
                    : new Mqtt3Bridge(config, sink, new BridgeInbox(dir), registry, clock);
        } catch (org.eclipse.paho.client.mqttv3.MqttException | org.eclipse.paho.mqttv5.common.MqttException e) {
            throw new IOException("cannot create the broker bridge: " + e.getMessage(), e);
        }
    }

    /** Starts connecting in the background; a broker that is not up yet is retried until {@link #close}. */
    public BrokerBridge start() {
        connect();
        return this;
    }

    /** Whether the bridge is connected and its subscription was granted on the current connection. */
    public boolean isSubscribed() {
        return subscribed && isConnected();
    }

    /** Opens a connection; calls {@link #connected} with the CONNACK's session-present flag, or {@link #failed}. */
    protected abstract void open() throws Exception;

    /** Subscribes to the configured filters; calls {@link #subscribed} with whether the broker granted them all. */
    protected abstract void subscribe() throws Exception;

    /** Ends the connection, waiting a bounded time. */
    protected abstract void disconnect() throws Exception;

    /** Closes the client for good. */
    protected abstract void closeClient() throws Exception;

    protected abstract boolean isConnected();

    protected final void connect() {
        if (closed) {
            return;
        }
        try {
            open();
        } catch (Exception e) {
            failed(e);
        }
    }

    /** A connect attempt failed: try again after the reconnect delay. */
    protected final void failed(Throwable e) {
        log.warn("Bridge cannot connect to {}: {}; retrying", config.url(), e.toString());
        later(this::connect);
    }

    /** The connection was lost: messages of it are not acknowledged any more; reconnect after the delay. */
    protected final void lost(Object cause) {
        if (closed || bouncing) {
            return;
        }
        generation.incrementAndGet();
        subscribed = false;
        log.warn("Bridge lost its connection to {}: {}; reconnecting", config.url(), cause);
        later(this::connect);
    }

    /** The outcome of {@link #subscribe}. */
    protected final void subscribed(boolean all) {
        subscribed = all;
        log.info("Bridge subscribed to {} on {} as '{}'", config.topics(), config.url(), config.clientId());
    }

    /** How a message that arrives now is acknowledged on this connection ({@code send} the client's ack). */
    protected final BridgeDelivery.Ack ack(AckSender send) {
        long gen = generation.get();
        return new BridgeDelivery.Ack() {
            @Override
            public boolean current() {
                return !closed && gen == generation.get();
            }

            @Override
            public boolean send() {
                try {
                    send.send();
                    return true;
                } catch (Exception e) {
                    log.debug("Bridge could not acknowledge a message: {}", e.toString());
                    return false;
                }
            }
        };
    }

    /** The client's acknowledgement of one message. */
    protected interface AckSender {
        void send() throws Exception;
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
    protected final void connected(boolean sessionPresent) {
        log.info("Bridge connected to {} (session {})", config.url(), sessionPresent ? "kept" : "new");
        if (sessionPresent && !voidOwed) {
            subscribeNow();
            return;
        }
        voidOwed = true;
        Map<String, LanePosition> fresh = delivery.marks().freshSession();
        sink.mark(fresh).whenComplete((r, e) -> {
            if (e == null && r == SinkResult.STORED) {
                voidOwed = false;
                delivery.marks().committed(fresh);
                subscribeNow();
            } else {
                refused(e != null || r == null ? SinkResult.FAILED : r);
            }
        });
    }

    private void subscribeNow() {
        try {
            subscribe();
        } catch (Exception e) {
            log.warn("Bridge subscription to {} failed: {}", config.topics(), e.toString());
        }
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
        bouncing = true;
        try {
            disconnect();
        } catch (Exception e) {
            log.debug("Bridge disconnect before redelivery: {}", e.toString());
        } finally {
            bouncing = false;
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
            closeClient();
        } catch (Exception e) {
            log.debug("Bridge close: {}", e.toString());
        }
    }
}
