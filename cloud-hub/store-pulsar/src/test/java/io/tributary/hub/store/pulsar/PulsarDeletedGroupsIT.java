package io.tributary.hub.store.pulsar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.hub.Hub;
import io.tributary.hub.client.AdminClient;
import io.tributary.hub.client.Producer;
import io.tributary.hub.client.ProducerOptions;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.hub.client.group.GroupConsumer;
import io.tributary.hub.client.group.GroupConsumerOptions;
import io.tributary.hub.group.RawMember;
import io.tributary.protocol.v1.CheckpointAck;
import io.tributary.protocol.v1.GroupShardLag;
import io.tributary.protocol.v1.LeaseAssignment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stream deleted on the Pulsar store takes its groups' progress with it, on every hub: deleted at B, its group
 * coordinated by A (the other hub) and its group coordinated by B start from nothing processed once the stream is
 * created again under the same name, the old members' checkpoints with their old tokens are refused at both old
 * coordinators, and another stream's group keeps its checkpoint.
 */
class PulsarDeletedGroupsIT {
    @RegisterExtension
    static final PulsarBroker PULSAR = new PulsarBroker();

    @TempDir
    Path dir;

    private final ClientResources resources = new ClientResources(1);

    @AfterEach
    void closeResources() {
        resources.close();
    }

    private static void produce(ClientResources resources, String stream, int count, int... ports) throws Exception {
        try (Producer p = Producer.create(
                resources,
                HubsOnPulsar.client(ports),
                ProducerOptions.defaults(stream).withBatching(20, Duration.ofMillis(1), 4))) {
            for (int i = 0; i < count; i++) {
                p.put("k" + (i % 7), ("r" + i).getBytes(StandardCharsets.UTF_8));
            }
            p.flush().get(60, TimeUnit.SECONDS);
        }
    }

    /** The group's checkpoint of {@code shard} as the hub at {@code port} describes it. */
    private long checkpoint(int port, String stream, String group, String shard) {
        try (AdminClient admin = AdminClient.connect(resources, HubsOnPulsar.client(port))) {
            return admin.describeGroup(stream, group).getShardsList().stream()
                    .filter(s -> s.getShardId().equals(shard))
                    .mapToLong(GroupShardLag::getCheckpoint)
                    .findFirst()
                    .orElseThrow();
        }
    }

    /** A member's first heartbeat at the hub at {@code port}, which coordinates the group: its one lease's token. */
    private static long join(RawMember member) throws Exception {
        LeaseAssignment leases = member.heartbeat();
        assertThat(leases.getCoordinatorEndpoint())
                .as("coordinated where it joined")
                .isEmpty();
        assertThat(leases.getLeasesList()).hasSize(1);
        return leases.getLeases(0).getToken();
    }

    @Test
    void deletedAtB_groupsCoordinatedByAAndByB_startFromNothing_andTheOldTokensAreRefusedAtBoth() throws Exception {
        String stream = "deleted-" + System.nanoTime();
        int portA = PulsarStandalone.freePort();
        int portB = PulsarStandalone.freePort();
        try (Hub a = HubsOnPulsar.start(PULSAR.broker(), Files.createDirectory(dir.resolve("a")), portA);
                Hub b = HubsOnPulsar.start(PULSAR.broker(), Files.createDirectory(dir.resolve("b")), portB)) {
            deleteAtBAndCreateAgain(a, b, portA, portB, stream);
        }
    }

    private void deleteAtBAndCreateAgain(Hub a, Hub b, int portA, int portB, String stream) throws Exception {
        String kept = "kept-" + System.nanoTime();
        HubsOnPulsar.createStream(resources, portA, stream, 1);
        HubsOnPulsar.createStream(resources, portA, kept, 1);
        HubsOnPulsar.awaitStream(resources, portB, stream);
        HubsOnPulsar.awaitStream(resources, portB, kept);
        produce(resources, stream, 50, portA, portB);
        String shard = List.copyOf(new TreeSet<>(
                        HubsOnPulsar.ends(resources, stream, portA, portB).keySet()))
                .get(0);

        try (RawMember atA = new RawMember(resources, HubsOnPulsar.client(portA), stream, "g1", "old-a");
                RawMember atB = new RawMember(resources, HubsOnPulsar.client(portB), stream, "g2", "old-b");
                RawMember keptAtA = new RawMember(resources, HubsOnPulsar.client(portA), kept, "g1", "kept")) {
            // g1 is coordinated by A, g2 by B, the kept stream's g1 by A; each has a checkpoint.
            long tokenA = join(atA);
            long tokenB = join(atB);
            long tokenKept = join(keptAtA);
            assertThat(atA.checkpoint(shard, tokenA, 40).getAccepted()).isTrue();
            assertThat(atB.checkpoint(shard, tokenB, 30).getAccepted()).isTrue();
            assertThat(keptAtA.checkpoint(shard, tokenKept, 7).getAccepted()).isTrue();

            // Deleted at B, which does not coordinate g1; created again (at A) under the same name.
            try (AdminClient admin = AdminClient.connect(resources, HubsOnPulsar.client(portB))) {
                admin.deleteStream(stream);
            }
            await("A knows the stream is gone")
                    .atMost(Duration.ofSeconds(30))
                    .ignoreExceptions()
                    .until(() -> a.streams().find(stream).isEmpty());
            HubsOnPulsar.createStream(resources, portA, stream, 1);
            HubsOnPulsar.awaitStream(resources, portB, stream);

            // The old members' checkpoints with their old tokens: refused at both old coordinators, nothing stored.
            CheckpointAck staleA = atA.checkpoint(shard, tokenA, 45);
            CheckpointAck staleB = atB.checkpoint(shard, tokenB, 35);
            assertThat(staleA.getAccepted()).as("at A: %s", staleA.getReason()).isFalse();
            assertThat(staleB.getAccepted()).as("at B: %s", staleB.getReason()).isFalse();
            for (int port : new int[] {portA, portB}) {
                assertThat(checkpoint(port, stream, "g1", shard)).isEqualTo(-1);
                assertThat(checkpoint(port, stream, "g2", shard)).isEqualTo(-1);
                assertThat(checkpoint(port, kept, "g1", shard)).isEqualTo(7);
            }
            assertThat(keptAtA.checkpoint(shard, tokenKept, 8).getAccepted())
                    .as("the kept stream's group is still A's, its lease current")
                    .isTrue();
        }

        // The group consumes the new stream from its first record.
        produce(resources, stream, 20, portA, portB);
        long end = HubsOnPulsar.ends(resources, stream, portA, portB).get(shard);
        assertThat(end).isEqualTo(19);
        RecordingProcessor.Log log = new RecordingProcessor.Log();
        GroupConsumerOptions options =
                GroupConsumerOptions.of(stream, "g1").withMemberId("new").withHeartbeat(Duration.ofMillis(200));
        try (GroupConsumer member = GroupConsumer.start(
                resources, HubsOnPulsar.client(portB, portA), options, () -> new RecordingProcessor(log))) {
            await("the new stream's records processed and checkpointed")
                    .atMost(Duration.ofSeconds(60))
                    .until(() -> log.acked(shard) == end);
        }
        assertThat(log.distinct(shard).first()).isEqualTo(0);
        assertThat(log.distinct(shard)).hasSize(20);
        assertThat(counter(b, "tributary.hub.group.reset.failures")).isZero();
    }

    private static double counter(Hub hub, String name) {
        return hub.registry().find(name).counters().stream()
                .mapToDouble(c -> c.count())
                .sum();
    }
}
