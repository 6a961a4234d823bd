package io.tributary.edge.mqtt;

/**
 * One retained message, for the console and the local API.
 *
 * @param topic its topic
 * @param qos the QoS it was published with
 * @param payload its payload (not a copy: do not change it)
 * @param expiresAtMillis when its Message Expiry Interval ends (epoch ms), 0 when it has none
 */
public record RetainedInfo(String topic, int qos, byte[] payload, long expiresAtMillis) {}
