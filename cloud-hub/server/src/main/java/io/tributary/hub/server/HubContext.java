package io.tributary.hub.server;

import io.tributary.hub.config.HubConfig;
import io.tributary.hub.metrics.HubMetrics;
import io.tributary.hub.store.ShardStore;
import io.tributary.hub.stream.StreamRegistry;
import java.time.Clock;
import java.util.concurrent.ExecutorService;

/**
 * What the connection handlers of a hub share. Immutable holder; every component in it is thread-safe.
 *
 * @param producers epoch grants and fencing of agents and producers
 * @param worker executor for blocking work (disk reads, re-encoding) that must stay off the event loops
 */
public record HubContext(
        HubConfig config,
        HubAuthenticator authenticator,
        HubMetrics metrics,
        StreamRegistry streams,
        ShardStore store,
        ProducerRegistry producers,
        Clock clock,
        ExecutorService worker) {}
