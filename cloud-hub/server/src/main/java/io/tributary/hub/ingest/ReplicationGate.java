package io.tributary.hub.ingest;

import io.tributary.hub.store.ShardKey;
import io.tributary.hub.stream.StreamDefinition;
import java.util.concurrent.CompletableFuture;

/**
 * What ingest asks of cross-region replication: whether this hub takes writes for a stream now, and when a shard's
 * records are durable in a replica region (ack level replicated). Implemented by the replication package; thread-safe.
 */
public interface ReplicationGate {

    /** Where writes for a stream must go instead of this hub. */
    record NotHome(String region, String endpoint, String message) {}

    /** Null when this hub takes writes for {@code stream} now; otherwise where its home is. */
    NotHome notHome(StreamDefinition stream);

    /** Completes when every record of {@code shard} below {@code end} is durable in at least one replica region. */
    CompletableFuture<Void> replicated(ShardKey shard, long end);

    /** A stored batch was refused because no replica confirmed it in time (for the metric). */
    default void timedOut() {}

    /** No replication: every stream is homed here and nothing waits. */
    ReplicationGate NONE = new ReplicationGate() {
        @Override
        public NotHome notHome(StreamDefinition stream) {
            return null;
        }

        @Override
        public CompletableFuture<Void> replicated(ShardKey shard, long end) {
            return CompletableFuture.completedFuture(null);
        }
    };
}
