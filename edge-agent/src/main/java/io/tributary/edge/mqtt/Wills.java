package io.tributary.edge.mqtt;

import io.netty.channel.Channel;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes Will Messages (MQTT 3.1.1 §3.1.2.5, 5 §3.1.2.5 and §3.1.3.2.2). A connection that ends without a
 * DISCONNECT 0x00 (network loss, keep-alive expiry, protocol error, takeover, or an MQTT 5 DISCONNECT 0x04 "with
 * will") publishes its will after the earlier of its Will Delay Interval and its session expiry; a new connection
 * to the same session before then (Clean Start 0) cancels it, one with Clean Start 1 ends the session and so
 * publishes it at once (MQTT 5 §3.1.3.2.2: the earlier of the delay and the end of the session). A will is published like a PUBLISH from its client: to a
 * forwarded topic it goes through the {@link PublishSink} (the buffer) and reaches local subscribers once stored, a
 * refusal counted in {@code tributary_edge_mqtt_publishes_refused_total{reason}}; to other topics it goes straight
 * to the {@link LocalBroker}. Outcomes: {@code tributary_edge_mqtt_wills_total{outcome}}.
 *
 * <p>A delayed will lives in a task on the event loop of its last connection: wills still waiting when the agent
 * stops are not published.
 *
 * <p>Threads: any; delayed wills run on the closed connection's event loop.
 */
final class Wills {

    private static final Logger log = LoggerFactory.getLogger(Wills.class);

    private final MqttServerConfig config;
    private final PublishSink sink;
    private final LocalBroker broker;
    private final MqttMetrics metrics;
    private final Clock clock;

    Wills(MqttServerConfig config, PublishSink sink, LocalBroker broker, MqttMetrics metrics, Clock clock) {
        this.config = config;
        this.sink = sink;
        this.broker = broker;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** The client sent DISCONNECT 0x00 (or, in 3.1.1, any DISCONNECT): its will is deleted. */
    void discarded(MqttConnection connection) {
        metrics.will("discarded");
        log.debug("Will of {} discarded on DISCONNECT", connection.clientId());
    }

    /**
     * The connection of {@code connection} closed while its will stands. Publishes it now, or after the earlier of
     * the Will Delay Interval and the session expiry.
     *
     * @param channel the closed connection (its event loop runs a delayed will)
     * @param sessionExpiry the session's expiry as it stands at the close (an MQTT 5 DISCONNECT may have changed it)
     * @param takenOver true when a newer connection already holds the client id: a delayed will is then cancelled,
     *     unless that connection started a new session (the old one has ended)
     */
    void connectionLost(
            Channel channel, MqttConnection connection, Will will, Duration sessionExpiry, boolean takenOver) {
        Duration delay = will.delay().compareTo(sessionExpiry) < 0 ? will.delay() : sessionExpiry;
        Session session = connection.session();
        if (delay.isZero() || session.ended()) { // ended: taken over with Clean Start 1, the delay ends with it
            publish(connection, will);
            return;
        }
        if (takenOver) {
            cancelled(connection.clientId());
            return;
        }
        Runnable publish = new Runnable() {
            @Override
            public void run() {
                publish(connection, will);
            }
        };
        session.pendingWill(publish);
        if ((session.owner() != channel || session.ended()) && session.takePendingWill(publish)) {
            // a new connection attached (on another loop) after the checks above, and found no will waiting yet
            if (session.ended()) {
                publish.run();
            } else {
                cancelled(connection.clientId());
            }
            return;
        }
        channel.eventLoop()
                .schedule(
                        () -> {
                            if (session.takePendingWill(publish)) {
                                publish.run();
                            }
                        },
                        delay.toMillis(),
                        TimeUnit.MILLISECONDS);
        log.debug("Will of {} on '{}' due in {}", connection.clientId(), will.topic(), delay);
    }

    /** A new connection for {@code clientId} arrived while its will waited: it is not published. */
    void cancelled(String clientId) {
        metrics.will("cancelled");
        log.debug("Will of {} cancelled: the client reconnected within the will delay", clientId);
    }

    private void publish(MqttConnection connection, Will will) {
        LocalMessage local = will.message(connection.session(), clock.millis());
        String topic = will.topic();
        if (!config.forwarded(topic)) {
            broker.publish(local);
            published(connection, will);
            return;
        }
        Optional<TopicMapping.Match> match = config.topicMapping().match(topic);
        if (match.isEmpty()) {
            refused(connection, will, PublishAcks.unmappedTopic(true).refusedReason());
            return;
        }
        InboundPublish publish = new InboundPublish(
                connection.clientId(),
                connection.username(),
                topic,
                match.get(),
                will.qos(),
                will.payload(),
                PayloadFormat.detect(will.payload()),
                clock.millis(),
                InboundPublish.userProperties(will.properties()));
        InboundPublish.offer(sink, publish).whenComplete((result, error) -> {
            SinkResult outcome = error != null || result == null ? SinkResult.FAILED : result;
            if (outcome == SinkResult.STORED) {
                broker.publish(local);
                published(connection, will);
            } else {
                refused(connection, will, PublishAcks.forResult(true, outcome).refusedReason());
            }
        });
    }

    private void published(MqttConnection connection, Will will) {
        metrics.will("published");
        log.info("Published the will of {} on '{}'", connection.clientId(), will.topic());
    }

    private void refused(MqttConnection connection, Will will, String reason) {
        metrics.refused(reason);
        metrics.will("refused");
        log.warn(
                "The will of {} on '{}' was not published: {} (counted in tributary_edge_mqtt_wills_total)",
                connection.clientId(),
                will.topic(),
                reason);
    }
}
