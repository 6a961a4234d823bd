package io.tributary.edge.mqtt;

import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttReasonCodes;
import java.time.Duration;

/**
 * What a client's DISCONNECT asks: whether the will is kept (MQTT 5 reason 0x04 "Disconnect with Will Message"; any
 * other DISCONNECT deletes it, MQTT 3.1.1 §3.14.4, 5 §3.14.2.1) and a new session expiry (MQTT 5), or the rule it
 * broke.
 *
 * @param violation the rule broken, or null
 * @param expiry the session expiry to keep the session for (capped at the server's maximum), or null for unchanged
 * @param withWill true when the will is to be published at the close
 */
record DisconnectPacket(PacketRules.Violation violation, Duration expiry, boolean withWill) {

    static DisconnectPacket read(MqttMessage msg, boolean v5, Duration connectExpiry, Duration maxExpiry) {
        if (!v5 || !(msg.variableHeader() instanceof MqttReasonCodeAndPropertiesVariableHeader h)) {
            return new DisconnectPacket(null, null, false);
        }
        boolean withWill = h.reasonCode() == MqttReasonCodes.Disconnect.DISCONNECT_WITH_WILL_MESSAGE.byteValue();
        if (!(h.properties().getProperty(MqttProperties.SESSION_EXPIRY_INTERVAL)
                instanceof MqttProperties.IntegerProperty p)) {
            return new DisconnectPacket(null, null, withWill);
        }
        long seconds = p.value() & 0xFFFF_FFFFL;
        if (connectExpiry.isZero() && seconds > 0) {
            // MQTT 5 §3.14.2.2.2: a session that was to end with its connection cannot be kept by DISCONNECT
            return new DisconnectPacket(
                    new PacketRules.Violation(
                            PacketRules.PROTOCOL_ERROR,
                            "session_expiry_on_disconnect",
                            "Session Expiry Interval set on DISCONNECT after 0 on CONNECT"),
                    null,
                    withWill);
        }
        Duration asked = Duration.ofSeconds(seconds);
        return new DisconnectPacket(null, asked.compareTo(maxExpiry) > 0 ? maxExpiry : asked, withWill);
    }
}
