/**
 * The hub's network server: the listener ({@link io.tributary.hub.server.HubServer}), the channel pipeline, the
 * per-connection handshake and session (authentication, epoch grants and fencing of producers), and the {@link
 * io.tributary.hub.server.FrameService} SPI through which every other package (ingest, subscribe, group, admin) handles
 * frames. Depends on no service package.
 */
package io.tributary.hub.server;
