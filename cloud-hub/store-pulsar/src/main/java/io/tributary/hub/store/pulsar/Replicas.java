package io.tributary.hub.store.pulsar;

import io.tributary.hub.store.ShardKey;
import io.tributary.hub.store.ShardUnavailableException;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pulsar.client.api.PulsarClient;

/**
 * The shards of a replica store ({@link PulsarStoreConfig#replica()}), whose topics Pulsar's geo-replication fills from
 * the home region: each is read by a {@link ReplicaFollower} when it is opened, at every takeover round (so a reader
 * that follows the tail, and {@code describe}, see what arrived within about {@link
 * PulsarStoreConfig#takeoverInterval()}) and when a read reaches the end known here. Nothing is written to them.
 *
 * <p>Threads: thread-safe; a shard's catch-ups hold the shard's lock.
 */
final class Replicas {
    private final PulsarClient client;
    private final PulsarStoreConfig config;
    private final Map<ShardKey, ReplicaFollower> followers = new ConcurrentHashMap<>();

    Replicas(PulsarClient client, PulsarStoreConfig config) {
        this.client = client;
        this.config = config;
    }

    /**
     * Reads what arrived in {@code topic} into {@code shard}; returns whether its reads are served. A failure (the
     * topic has not arrived yet, the broker is down) makes the shard OFFLINE for reads too, until a later catch-up.
     */
    boolean follow(ShardKey key, PulsarShard shard, String topic) {
        ReplicaFollower follower = followers.computeIfAbsent(
                key,
                k -> new ReplicaFollower(
                        client,
                        topic,
                        config.producerWindow(),
                        config.operationTimeout().toMillis()));
        synchronized (shard) {
            try {
                shard.installReplica(follower.catchUp(), new ReplicaFollower.ReadOnly(key, topic));
                return true;
            } catch (IOException e) {
                shard.failRecovery(null, new ShardUnavailableException(key, "replica: " + e.getMessage(), e));
                return false;
            }
        }
    }

    /** Stops following {@code key} (its shard was closed or deleted). */
    void forget(ShardKey key) {
        ReplicaFollower f = followers.remove(key);
        if (f != null) {
            f.close();
        }
    }
}
