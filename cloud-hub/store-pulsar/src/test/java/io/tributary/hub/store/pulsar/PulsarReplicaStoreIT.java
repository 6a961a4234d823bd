package io.tributary.hub.store.pulsar;

import static io.tributary.hub.store.SampleBatches.batch;
import static io.tributary.hub.store.SampleBatches.idOf;
import static io.tributary.hub.store.SampleBatches.readAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tributary.hub.store.ProducerKey;
import io.tributary.hub.store.ShardInfo;
import io.tributary.hub.store.ShardKey;
import io.tributary.hub.store.ShardStatus;
import io.tributary.hub.store.ShardUnavailableException;
import io.tributary.hub.store.StoredBatch;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A replica store ({@code pulsar.replica}) and the replication-cluster setting on the one test broker, in the default
 * build (PulsarGeoIT, with two clusters, runs under a profile): the replica reads a topic another store writes — as
 * it reads what Pulsar's geo-replication copies — at the writer's sequences, follows its tail, refuses appends, and
 * never takes the shard, also once the writer is gone. A store naming an unknown cluster does not start.
 */
class PulsarReplicaStoreIT {
    private static final ProducerKey PRODUCER = new ProducerKey("agent-r", "lane", 1);
    private static final String NAMESPACE = "replica-it";

    @RegisterExtension
    static final PulsarBroker PULSAR = new PulsarBroker();

    private static PulsarStoreConfig.Builder config() {
        PulsarStandalone broker = PULSAR.broker();
        return PulsarStoreConfig.builder(broker.serviceUrl(), broker.adminUrl())
                .namespace(NAMESPACE)
                .operationTimeout(Duration.ofSeconds(20))
                .takeoverInterval(Duration.ofMillis(100));
    }

    @Test
    void replica_readsTheWritersSequences_followsTheTail_refusesAppends_neverTakesTheShard() {
        ShardKey shard = new ShardKey("replica-" + System.nanoTime(), "shard-000000");
        try (PulsarShardStore writer = new PulsarShardStore(config().build(), Clock.systemUTC());
                PulsarShardStore replica =
                        new PulsarShardStore(config().replica(true).build(), Clock.systemUTC())) {
            writer.open(shard);
            for (int i = 0; i < 3; i++) {
                writer.append(shard, batch(PRODUCER, i, 2L * i, 2)).join();
            }

            ShardInfo info = replica.open(shard);
            assertThat(info.status()).isEqualTo(ShardStatus.REPLICA);
            assertThat(info.cause()).startsWith("replica (pulsar.replica)");
            assertThat(info.nextSequence()).isEqualTo(6);
            assertThat(readAll(replica, shard))
                    .extracting(StoredBatch::baseSequence)
                    .containsExactly(0L, 2L, 4L);
            assertThat(replica.append(shard, batch(PRODUCER, 9, 100, 1)))
                    .failsWithin(Duration.ofSeconds(10))
                    .withThrowableThat()
                    .withCauseInstanceOf(ShardUnavailableException.class)
                    .withMessageContaining("serves reads only");

            writer.append(shard, batch(PRODUCER, 3, 6, 2)).join();
            List<StoredBatch> tail = replica.read(shard, 6, 100, 1 << 20).batches();
            assertThat(tail)
                    .as("a read at the end known here reads what arrived since")
                    .hasSize(1);
            assertThat(idOf(tail.get(0))).isEqualTo(3);
            writer.append(shard, batch(PRODUCER, 4, 8, 2)).join();
            await("a takeover round reads the new batch")
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> replica.info(shard).nextSequence() == 10);

            writer.close();
            await("still a replica after its writer is gone (a writer store would take it within 100 ms)")
                    .during(Duration.ofSeconds(1))
                    .atMost(Duration.ofSeconds(3))
                    .until(() -> replica.info(shard).status() == ShardStatus.REPLICA);
            assertThat(readAll(replica, shard))
                    .extracting(StoredBatch::baseSequence)
                    .containsExactly(0L, 2L, 4L, 6L, 8L);
        }
    }

    @Test
    void replicationClusters_unknownCluster_refusedByName_knownOnesSet() throws Exception {
        PulsarStandalone broker = PULSAR.broker();
        try (PulsarShardStore store = new PulsarShardStore(
                config().replicationClusters(List.of(broker.cluster(), "nowhere"))
                        .build(),
                Clock.systemUTC())) {
            assertThatThrownBy(store::checkReachable)
                    .hasMessageContaining("pulsar.replication-clusters: [nowhere] not registered with the brokers")
                    .hasMessageContaining("they know [" + broker.cluster() + "]");
        }
        try (PulsarShardStore store = new PulsarShardStore(
                config().replicationClusters(List.of(broker.cluster())).build(), Clock.systemUTC())) {
            store.checkReachable();
        }
        PulsarAdminRest admin = new PulsarAdminRest(broker.adminUrl(), Duration.ofSeconds(10));
        assertThat(admin.replicationClusters("public", NAMESPACE)).containsExactly(broker.cluster());
    }
}
