/**
 * The edge agent's MQTT 3.1.1 / 5 endpoint: ingest to the durable buffer, and a local broker for subscribers on the
 * gateway.
 *
 * <p>Entry points: {@link io.tributary.edge.mqtt.MqttServer} (lifecycle), {@link
 * io.tributary.edge.mqtt.MqttServerConfig} (settings), {@link io.tributary.edge.mqtt.PublishSink} (the boundary to
 * the durable buffer: acks wait for its stage), {@link io.tributary.edge.mqtt.Authenticator} and {@link
 * io.tributary.edge.mqtt.TopicMapping}. Everything else is package-private pipeline machinery; the Netty-free
 * subscription core (topic filters, the subscription tree) is {@code io.tributary.edge.mqtt.pubsub}.
 *
 * <p>A publish whose topic matches {@link io.tributary.edge.mqtt.MqttServerConfig#forward()} (default {@code #})
 * goes to the buffer and the hub as before and reaches local subscribers once stored; any other topic stays local
 * and is delivered (and acknowledged) at once. Subscribers get each message once per session with the highest QoS of
 * their matching subscriptions (never above the publish's), through a bounded queue and an in-flight window
 * ({@code Outbound}); what they do not get is counted by reason.
 *
 * <p>Decisions on the ambiguous parts of the protocols:
 *
 * <ul>
 *   <li>Refusal reason codes per sink outcome and for unmapped topics: see {@code PublishAcks}.
 *   <li>Acks are written in the order the publishes arrived, even when the sink completes out of order.
 *   <li>SUBSCRIBE: an invalid filter gets 0x80 (3.1.1) / 0x8F Topic Filter invalid (5), the others the QoS asked
 *       for; filters longer than {@code TopicFilters.MAX_FILTER_LENGTH} are invalid. Shared subscriptions
 *       ({@code $share/g/f}) work in 3.1.1 too; messages go round robin to connected members.
 *   <li>Subscriptions live in the session: they outlast a disconnect for its session expiry (in memory, not an
 *       agent restart), but messages published meanwhile are dropped (counted as {@code offline}), not queued, and
 *       outgoing QoS 1/2 messages unacknowledged when the connection closed are not resent on reconnect.
 *   <li>Retained messages ({@code RetainedMessages}) are durable with a state directory ({@code
 *       DurableRetainedMessages}: journal + MapDB view; the PUBACK waits for the journal fsync), else in memory. One for a
 *       forwarded topic is retained only once the buffer stored it; an empty payload clears the topic and is still
 *       delivered to current subscribers. A new subscription gets them per Retain Handling (shared ones: never).
 *   <li>An empty client id gets {@code tributary-<uuid>} (3.1.1 only with CleanSession=1; MQTT 5 always, returned
 *       as Assigned Client Identifier).
 *   <li>Anonymous CONNECT when not allowed: 0x05 / 0x87 Not authorized; wrong password 0x04 / 0x86.
 *   <li>MQTT 5 property rules Netty's decoder does not enforce ({@code PacketRules}, repeated properties in
 *       {@code PropertyScanner}): a CONNECT that breaks one gets CONNACK 0x81 / 0x82 (0x8C for an Authentication
 *       Method: no enhanced authentication) and a close; any other packet a DISCONNECT with 0x81 Malformed Packet,
 *       0x82 Protocol Error or 0x94 Topic Alias invalid (0, or above the Topic Alias Maximum the CONNACK
 *       advertised, {@code mqtt.topic-alias-maximum}). An MQTT 3.1.1
 *       PUBLISH with an empty topic closes the connection. Each is counted in
 *       {@code tributary_edge_mqtt_malformed_packets_total{reason}}.
 *   <li>Will messages ({@code Wills}) are published when a connection ends without DISCONNECT 0x00, after the
 *       earlier of the Will Delay Interval and the session expiry; a reconnect in between cancels them. A CONNECT
 *       whose Will Topic is empty or holds a wildcard or NUL is refused (MQTT 5 CONNACK 0x90; 3.1.1: closed).
 * </ul>
 */
package io.tributary.edge.mqtt;
