package io.tributary.testsupport.netfault;

/**
 * What a {@link NetFaultProxy} did so far.
 *
 * @param accepted connections accepted from clients (including refused ones)
 * @param refused connections reset right after accepting (uplink down, too many, target unreachable)
 * @param open connections open now
 * @param resets connections the proxy reset (mid-stream fault, uplink down, a peer's reset passed on, close)
 * @param bytesUpstream bytes written to the target
 * @param bytesDownstream bytes written back to clients
 * @param bytesDropped bytes swallowed by half-open connections
 * @param halfOpenClosedByClient half-open connections whose client gave up on them and closed its end: the client
 *     detected the dead link
 * @param halfOpenClosedByTarget half-open connections whose target (server) closed its end: the server detected it
 */
public record NetFaultStats(
        long accepted,
        long refused,
        int open,
        long resets,
        long bytesUpstream,
        long bytesDownstream,
        long bytesDropped,
        long halfOpenClosedByClient,
        long halfOpenClosedByTarget) {}
