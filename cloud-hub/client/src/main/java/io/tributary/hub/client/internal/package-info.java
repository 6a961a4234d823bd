/**
 * The client library's mechanisms: one hub connection with its handshake and keepalive ({@link
 * io.tributary.hub.client.internal.HubConnection}) and how a session opens one ({@link
 * io.tributary.hub.client.internal.Connector}). Public only so that the library's other packages can reach them;
 * <strong>not API</strong>: anything here may change in any release. Applications use {@code io.tributary.hub.client};
 * agents that forward their own batches use {@code io.tributary.hub.client.spi}.
 */
package io.tributary.hub.client.internal;
