package io.tributary.hub;

import static io.tributary.hub.HubIngestIT.ack;
import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.hub.TestRecords.Stored;
import io.tributary.hub.client.AdminClient;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.hub.config.HubConfig;
import io.tributary.protocol.v1.BatchAck;
import io.tributary.protocol.v1.PartitionKeyMode;
import io.tributary.protocol.v1.StreamDescription;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A hub closed and started again on the same data directory keeps its streams, its records and its de-duplication. */
class HubRestartIT {
    private static final String STREAM = "plant";

    @TempDir
    Path dir;

    private ClientResources resources;

    @BeforeEach
    void resources() {
        resources = new ClientResources(1);
    }

    @AfterEach
    void closeResources() {
        resources.close();
    }

    @Test
    void restart_sameDataDir_keepsStreamsRecordsAndDeduplication() throws Exception {
        HubConfig config = TestHubs.config(dir, Map.of());
        StreamDescription before;
        BatchAck firstAck;
        long grant;
        try (Hub hub = Hub.start(config)) {
            try (AdminClient admin = AdminClient.connect(resources, TestHubs.client(hub.port()))) {
                before = admin.createStream(
                        STREAM, 3, PartitionKeyMode.PARTITION_KEY_MODE_GROUP_AND_DEVICE, 3_600_000, 1 << 30);
            }
            try (RawLink link = RawLink.handshake(hub.port(), "edge-7", 0, Optional.empty())) {
                grant = link.epoch();
                firstAck = ack(link.call(TestRecords.batch(1, STREAM, "edge-7", grant + 42, "g/d", 0, 4)));
                ack(link.call(TestRecords.batch(2, STREAM, "edge-7", grant + 42, "g/d", 4, 2)));
            }
        }

        try (Hub hub = Hub.start(config)) {
            try (AdminClient admin = AdminClient.connect(resources, TestHubs.client(hub.port()))) {
                StreamDescription after = admin.describeStream(STREAM);
                assertThat(after.getShardsList())
                        .extracting(s -> s.getShardId() + " " + s.getStartHash() + ".." + s.getEndHash())
                        .isEqualTo(before.getShardsList().stream()
                                .map(s -> s.getShardId() + " " + s.getStartHash() + ".." + s.getEndHash())
                                .toList());
                assertThat(after.getKeyMode()).isEqualTo(PartitionKeyMode.PARTITION_KEY_MODE_GROUP_AND_DEVICE);
                assertThat(after.getRetentionMs()).isEqualTo(3_600_000);
                assertThat(after.getCreatedMs()).isEqualTo(before.getCreatedMs());
            }
            // The agent presents the epoch grant it holds; the hub remembers it across the restart.
            try (RawLink link = RawLink.handshake(hub.port(), "edge-7", grant, Optional.empty())) {
                assertThat(link.epoch()).isEqualTo(grant);
                // The agent never saw the ack of batch 1 and sends it again after the restart.
                BatchAck again = ack(link.call(TestRecords.batch(7, STREAM, "edge-7", grant + 42, "g/d", 0, 4)));
                assertThat(again.getDuplicates()).isEqualTo(4);
                assertThat(again.getSequenceList()).isEqualTo(firstAck.getSequenceList());
                assertThat(again.getShardsList()).isEqualTo(firstAck.getShardsList());
                // A run that does not continue the recovered lane is still a gap after the restart.
                assertThat(link.call(TestRecords.batch(8, STREAM, "edge-7", grant + 42, "g/d", 9, 1))
                                .hasNack())
                        .isTrue();
                BatchAck next = ack(link.call(TestRecords.batch(9, STREAM, "edge-7", grant + 42, "g/d", 6, 1)));
                assertThat(next.getDuplicates()).isZero();
            }
            List<Stored> stored =
                    TestRecords.readStream(hub.store(), hub.streams().describe(STREAM));
            assertThat(stored)
                    .extracting(Stored::text)
                    .containsExactly("g/d:0", "g/d:1", "g/d:2", "g/d:3", "g/d:4", "g/d:5", "g/d:6");
        }
    }
}
