/**
 * The client library's service-provider interface for agents: {@link io.tributary.hub.client.spi.HubSession}, the one
 * reconnecting, failing-over link to the hub that every client of this library uses, for an agent that sends its own
 * pre-encoded batches from its own durable buffer and handles the hub's answers itself (the edge agent's forwarder);
 * and {@link io.tributary.hub.client.spi.Backoff}, the jittered backoff it uses, for the agent's own retries.
 *
 * <p>Stable for agents: it changes only together with the agents in this repository. Applications use the public
 * clients in {@code io.tributary.hub.client} instead. What lies under it ({@code io.tributary.hub.client.internal})
 * is not API at all.
 */
package io.tributary.hub.client.spi;
