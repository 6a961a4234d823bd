package io.tributary.edge.mqtt;

/**
 * One MQTT client connected to the edge, for the console.
 *
 * @param clientId the client identifier it connected with (chosen by the client: any text)
 * @param remoteAddress its address as the socket sees it
 */
public record MqttClientInfo(String clientId, String remoteAddress) {}
