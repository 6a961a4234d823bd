package io.tributary.hub.store.pulsar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The geo-replication settings of {@link PulsarStoreConfig}: defaults, and the refusals. */
class PulsarStoreConfigTest {
    private static PulsarStoreConfig.Builder builder() {
        return PulsarStoreConfig.builder("pulsar://127.0.0.1:6650", URI.create("http://127.0.0.1:8080"));
    }

    @Test
    void defaults_noReplicationClusters_notAReplica() {
        PulsarStoreConfig c = builder().build();
        assertThat(c.replicationClusters()).isEmpty();
        assertThat(c.replica()).isFalse();
    }

    @Test
    void replicationClusters_keptInOrder() {
        assertThat(builder()
                        .replicationClusters(List.of("east", "west"))
                        .build()
                        .replicationClusters())
                .containsExactly("east", "west");
    }

    @Test
    void badClusterNames_duplicates_andAReplicaThatReplicatesBack_areRefused() {
        assertThatThrownBy(() ->
                        builder().replicationClusters(List.of("east", "we/st")).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'we/st'");
        assertThatThrownBy(() ->
                        builder().replicationClusters(List.of("east", "east")).build())
                .hasMessageContaining("distinct");
        assertThatThrownBy(() -> builder()
                        .replica(true)
                        .replicationClusters(List.of("east", "west"))
                        .build())
                .hasMessageContaining("a replica sets no replication clusters");
    }
}
