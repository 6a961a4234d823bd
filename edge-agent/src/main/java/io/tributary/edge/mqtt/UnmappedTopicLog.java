package io.tributary.edge.mqtt;

import io.netty.channel.ChannelHandlerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The log line of a publish refused because its topic does not fit the topic template. Event loop of the channel. */
final class UnmappedTopicLog {

    private static final Logger log = LoggerFactory.getLogger(PublishHandler.class); // where operators look for it

    private UnmappedTopicLog() {}

    /**
     * WARN the first time a topic is refused (bounded, see {@link ServerContext#MAX_WARNED_TOPICS}) within the rate
     * limit of {@link ClientLog#TOPIC_UNMAPPED}; DEBUG otherwise.
     */
    static void refused(
            ServerContext server,
            MqttConnection connection,
            ChannelHandlerContext ctx,
            String topic,
            int qos,
            PublishAcks.Decision decision) {
        String outcome = qos == 0
                ? "dropped (QoS 0, nothing to answer)"
                : decision.closeAfter()
                        ? "not acknowledged, closing the connection"
                        : "refused with PUBACK/PUBREC 0x90";
        String template = server.config().topicMapping().template();
        if (!server.unmappedTopicWarnings().first(topic)
                || !server.clientLog()
                        .warn(
                                log,
                                ClientLog.TOPIC_UNMAPPED,
                                "Publish from client {} ({}) to topic '{}' {}: the topic does not match the topic template '{}'"
                                        + " (further ones on this topic at DEBUG; counted in tributary_edge_mqtt_publishes_refused_total)",
                                connection.clientId(),
                                ctx.channel().remoteAddress(),
                                topic,
                                outcome,
                                template)) {
            log.debug("Publish from client {} to unmapped topic '{}' {}", connection.clientId(), topic, outcome);
        }
    }
}
