/**
 * The edge agent's MQTT 3.1.1 / 5 ingest endpoint.
 *
 * <p>Entry points: {@link io.tributary.edge.mqtt.MqttServer} (lifecycle), {@link
 * io.tributary.edge.mqtt.MqttServerConfig} (settings), {@link io.tributary.edge.mqtt.PublishSink} (the boundary to
 * the durable buffer: acks wait for its stage), {@link io.tributary.edge.mqtt.Authenticator} and {@link
 * io.tributary.edge.mqtt.TopicMapping}. Everything else is package-private pipeline machinery.
 *
 * <p>Decisions on the ambiguous parts of the protocols:
 *
 * <ul>
 *   <li>Refusal reason codes per sink outcome and for unmapped topics: see {@code PublishAcks}.
 *   <li>Acks are written in the order the publishes arrived, even when the sink completes out of order.
 *   <li>SUBSCRIBE is answered with failure codes 0x80 (3.1.1) / 0x87 Not authorized (5); UNSUBSCRIBE with
 *       0x11 No subscription existed (5).
 *   <li>An empty client id gets {@code tributary-<uuid>} (3.1.1 only with CleanSession=1; MQTT 5 always, returned
 *       as Assigned Client Identifier).
 *   <li>Anonymous CONNECT when not allowed: 0x05 / 0x87 Not authorized; wrong password 0x04 / 0x86.
 *   <li>MQTT 5 property rules Netty's decoder does not enforce ({@code PacketRules}, repeated properties in
 *       {@code PropertyScanner}): a CONNECT that breaks one gets CONNACK 0x81 / 0x82 (0x8C for an Authentication
 *       Method: no enhanced authentication) and a close; any other packet a DISCONNECT with 0x81 Malformed Packet,
 *       0x82 Protocol Error or 0x94 Topic Alias invalid (the server's Topic Alias Maximum is 0). An MQTT 3.1.1
 *       PUBLISH with an empty topic closes the connection. Each is counted in
 *       {@code tributary_edge_mqtt_malformed_packets_total{reason}}.
 *   <li>Will messages are accepted in CONNECT but never published (the edge has no subscribers).
 * </ul>
 */
package io.tributary.edge.mqtt;
