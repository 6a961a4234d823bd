/**
 * Persistent MQTT sessions on disk: {@link io.tributary.edge.mqtt.session.SessionStore} keeps every session that
 * outlives its connection (subscriptions, expiry) and the QoS 1/2 messages queued for it in a CRC-checked
 * {@link io.tributary.edge.state.Journal}, with the sessions also in a MapDB view rebuilt from the journal whenever
 * it cannot be proven current. The broker side (queues in memory, delivery, bounds) is in {@code io.tributary.edge.mqtt}.
 */
package io.tributary.edge.mqtt.session;
