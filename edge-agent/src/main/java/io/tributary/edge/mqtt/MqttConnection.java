package io.tributary.edge.mqtt;

import io.netty.handler.codec.mqtt.MqttVersion;
import java.time.Duration;

/**
 * What an accepted CONNECT established for one channel; handed from {@link ConnectHandler} to
 * {@link PublishHandler}. Immutable.
 *
 * @param version negotiated protocol version (3.1.1 or 5)
 * @param clientId client identifier, assigned by the server when the client sent an empty one
 * @param username authenticated user, {@code ""} when anonymous
 * @param session the session bound to the client id
 * @param sessionExpiry how long the session outlives the connection (already capped by configuration)
 * @param clientReceiveMaximum the client's MQTT 5 Receive Maximum (65,535 when absent, and for 3.1.1)
 * @param clientMaxPacketSize the client's MQTT 5 Maximum Packet Size, 0 when it set none
 * @param will the Will Message of the CONNECT, null when it had none
 */
record MqttConnection(
        MqttVersion version,
        String clientId,
        String username,
        Session session,
        Duration sessionExpiry,
        int clientReceiveMaximum,
        long clientMaxPacketSize,
        Will will) {

    boolean isV5() {
        return version == MqttVersion.MQTT_5;
    }
}
