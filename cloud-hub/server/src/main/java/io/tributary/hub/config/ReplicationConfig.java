package io.tributary.hub.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * How this hub replicates streams to (and is reached from) other regions. Part of {@link HubConfig}.
 *
 * @param advertisedEndpoint {@code HOST:PORT} other regions' hubs use to reach this one (recorded in the streams it is
 *     home of); empty: {@code host:port} of the listener
 * @param ackTimeout under ack level replicated, how long a batch waits for a replica before it is refused as not
 *     replicated (retriable)
 * @param windowBytes per shard and replica: bytes sent and not yet acknowledged by the replica
 * @param lagAlertRecords replica lag (records) above which the shard's replication makes {@code /health} degraded
 * @param token bearer token this hub presents to other regions' hubs
 * @param tls whether to use TLS towards other regions' hubs
 * @param trustCertificates PEM certificates to trust for them (empty: the JDK's trust store)
 * @param keepAlive the link to a replica pings after this long without sending and is closed as half-open after three
 *     times this long without hearing from the replica; zero disables
 */
public record ReplicationConfig(
        String advertisedEndpoint,
        Duration ackTimeout,
        long windowBytes,
        long lagAlertRecords,
        Optional<String> token,
        boolean tls,
        Optional<Path> trustCertificates,
        Duration keepAlive) {}
