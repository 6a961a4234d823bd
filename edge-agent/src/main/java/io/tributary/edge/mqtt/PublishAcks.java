package io.tributary.edge.mqtt;

import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPubReplyMessageVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttReasonCodes;

/**
 * How the endpoint answers a QoS 1/2 publish for each outcome. The table (also in the module docs):
 *
 * <pre>
 * outcome          MQTT 5 PUBACK/PUBREC          MQTT 3.1.1
 * STORED           0x00 success                  PUBACK / PUBREC
 * QUOTA_EXCEEDED   0x97 quota exceeded           withheld (no ack): the client's in-flight window throttles it
 *                                                and it redelivers on reconnect
 * BUSY             0x97 quota exceeded (a        withheld, as for the quota
 *                  transient, administrative
 *                  limit; 0x80 would hide it)
 * DISK_FULL        0x97 quota exceeded (the      withheld, as for the quota
 * IO_ERROR         buffer refuses until it has
 *                  recovered, on its own)
 * FAILED           0x80 unspecified error        withheld, and the connection is closed so that the client
 *                                                reconnects and redelivers
 * not authorized   0x87 not authorized           withheld, and the connection closed, as for an unmapped topic
 *   (ACL)
 * topic unmapped   0x90 topic name invalid       withheld, and the connection is closed (3.1.1 has no negative
 *                                                ack, and a PUBACK/PUBREC would report as safe a message that is
 *                                                dropped; MQTT 3.1.1 §4.8 lets a server close on a publish it
 *                                                will not process). A client that redelivers it on reconnect is
 *                                                closed again: visible in the disconnect counter and the log.
 * </pre>
 *
 * Every outcome except STORED is counted in {@code tributary_edge_mqtt_publishes_refused_total{reason}}; every close in
 * {@code tributary_edge_mqtt_disconnects_total{reason}} ({@code sink_failed}, {@code topic_unmapped}). A close happens after
 * the acks of the publishes received before it are written, so those are not lost with the connection. QoS 0
 * publishes get no ack in any case: a refused one is counted (and, for an unmapped topic, logged) and the connection
 * kept. Stateless.
 */
final class PublishAcks {

    /**
     * @param send whether a PUBACK/PUBREC is written
     * @param reasonCode its MQTT 5 reason code (ignored for 3.1.1)
     * @param closeReason null to keep the connection, else the metric tag of closing it afterwards
     * @param refusedReason metric tag, or null when the publish was stored
     */
    record Decision(boolean send, byte reasonCode, String closeReason, String refusedReason) {
        boolean closeAfter() {
            return closeReason != null;
        }
    }

    static final Decision STORED = new Decision(true, (byte) 0x00, null, null);

    private PublishAcks() {}

    static Decision forResult(boolean v5, SinkResult result) {
        return switch (result) {
            case STORED -> STORED;
            case QUOTA_EXCEEDED ->
                v5
                        ? negative(MqttReasonCodes.PubAck.QUOTA_EXCEEDED, "quota_exceeded")
                        : withheld(null, "quota_exceeded");
            case BUSY -> v5 ? negative(MqttReasonCodes.PubAck.QUOTA_EXCEEDED, "busy") : withheld(null, "busy");
            // a storage fault the buffer recovers from on its own is a retriable limit like the quota, not 0x80
            case DISK_FULL ->
                v5 ? negative(MqttReasonCodes.PubAck.QUOTA_EXCEEDED, "disk_full") : withheld(null, "disk_full");
            case IO_ERROR ->
                v5 ? negative(MqttReasonCodes.PubAck.QUOTA_EXCEEDED, "io_error") : withheld(null, "io_error");
            case FAILED ->
                v5 ? negative(MqttReasonCodes.PubAck.UNSPECIFIED_ERROR, "failed") : withheld("sink_failed", "failed");
        };
    }

    /**
     * A publish the ACL does not allow: MQTT 5 0x87 Not authorized; 3.1.1 withheld and the connection closed, as for
     * an unmapped topic (a PUBACK would report as delivered a message that is dropped).
     */
    static Decision notAuthorized(boolean v5) {
        return v5
                ? negative(MqttReasonCodes.PubAck.NOT_AUTHORIZED, "not_authorized")
                : withheld("not_authorized", "not_authorized");
    }

    static Decision unmappedTopic(boolean v5) {
        return v5
                ? negative(MqttReasonCodes.PubAck.TOPIC_NAME_INVALID, "topic_unmapped")
                : withheld("topic_unmapped", "topic_unmapped");
    }

    private static Decision negative(MqttReasonCodes.PubAck code, String reason) {
        return new Decision(true, code.byteValue(), null, reason);
    }

    private static Decision withheld(String closeReason, String reason) {
        return new Decision(false, (byte) 0x00, closeReason, reason);
    }

    /** PUBACK, PUBREC or PUBCOMP with a reason code (the encoder drops it for 3.1.1). */
    static MqttMessage reply(MqttMessageType type, int packetId, byte reasonCode) {
        return new MqttMessage(
                new MqttFixedHeader(type, false, MqttQoS.AT_MOST_ONCE, false, 0),
                new MqttPubReplyMessageVariableHeader(packetId, reasonCode, MqttProperties.NO_PROPERTIES));
    }

    /** The packet id of a PUBACK, PUBREC, PUBREL or PUBCOMP. */
    static int packetId(MqttMessage msg) {
        return ((io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader) msg.variableHeader()).messageId();
    }

    /** PUBREL (fixed header flags 0010) with a reason code (the encoder drops it for 3.1.1). */
    static MqttMessage pubRel(int packetId, byte reasonCode) {
        return new MqttMessage(
                new MqttFixedHeader(MqttMessageType.PUBREL, false, MqttQoS.AT_LEAST_ONCE, false, 0),
                new MqttPubReplyMessageVariableHeader(packetId, reasonCode, MqttProperties.NO_PROPERTIES));
    }
}
