package io.tributary.hub.store.pulsar;

import java.io.IOException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pulsar's geo-replication of the store's namespace, set up by the home region's hubs ({@link
 * PulsarStoreConfig#replicationClusters()}): the whole namespace — shard topics, the stream catalog, the epoch grants,
 * the consumer groups' topics — is copied, so a hub in another region learns the streams and reads the shards at the
 * home's sequences, and a promoted region fences the same agents and resumes the groups at the same checkpoints.
 *
 * <p><b>One way only.</b> The home's namespace lists the replica clusters; a replica's lists none but its own (a
 * {@link PulsarStoreConfig#replica()} store sets none). Pulsar's replicator writes into a topic of the other cluster
 * through a producer of access mode {@code Shared} that stays connected, and the broker refuses an {@code Exclusive}
 * producer on a topic with a shared one ("Topic has existing shared producers", {@code
 * AbstractTopic.incrementTopicEpochIfNeeded}): replicated back, every home topic would hold the replica's replicator and
 * the home's hubs could write no shard. One way, the replicator holds the replica's topics instead, which is the fence
 * of a promotion: a hub in the replica region can take a shard's topic only once the home's replicator is gone (its
 * brokers died, or the connection between the regions dropped).
 *
 * <p>Threads: its caller's (the namespace's owner).
 */
final class GeoReplication {
    private static final Logger LOG = LoggerFactory.getLogger(GeoReplication.class);

    private GeoReplication() {}

    /**
     * Sets the namespace's replication clusters when the store names any, after checking that the brokers know each
     * (Pulsar itself refuses a cluster that the tenant does not allow, and its answer is passed on).
     *
     * @throws IOException naming the clusters the brokers do not know, or passing on the brokers' refusal
     */
    static void configure(PulsarStoreConfig config, PulsarAdminRest admin) throws IOException {
        List<String> wanted = config.replicationClusters();
        if (wanted.isEmpty()) {
            return;
        }
        List<String> known = admin.clusters();
        List<String> unknown = wanted.stream().filter(c -> !known.contains(c)).toList();
        if (!unknown.isEmpty()) {
            throw new IOException("pulsar.replication-clusters: " + unknown + " not registered with the brokers at "
                    + config.adminUrl() + " (they know " + known + "); register each with PUT /admin/v2/clusters/NAME"
                    + " {\"serviceUrl\":\"http://…\",\"brokerServiceUrl\":\"pulsar://…\"} and allow it on tenant "
                    + config.tenant());
        }
        admin.setReplicationClusters(config.tenant(), config.namespace(), wanted);
        LOG.info(
                "namespace {}/{}: geo-replicated by Pulsar to clusters {}",
                config.tenant(),
                config.namespace(),
                wanted);
    }
}
