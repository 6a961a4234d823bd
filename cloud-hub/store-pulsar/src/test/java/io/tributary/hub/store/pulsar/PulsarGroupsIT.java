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
import io.tributary.protocol.v1.GroupDescription;
import io.tributary.protocol.v1.GroupShardLag;
import io.tributary.protocol.v1.Lease;
import io.tributary.protocol.v1.LeaseAssignment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Consumer groups across two hubs over one Pulsar, in this JVM: the first hub a member joins coordinates the group;
 * the other sends members and checkpoints there ({@code coordinator_endpoint}), answers lease checks and describes
 * from the group's state in Pulsar, and takes the group over when the coordinator goes, from the stored rows and with
 * tokens above every stored one.
 */
class PulsarGroupsIT {
    private static final int SHARDS = 2;
    private static final String GROUP = "g";

    @RegisterExtension
    static final PulsarBroker PULSAR = new PulsarBroker();

    @TempDir
    Path dir;

    private final ClientResources resources = new ClientResources(1);
    private Hub a;
    private Hub b;

    @AfterEach
    void tearDown() {
        for (Hub h : new Hub[] {b, a}) {
            if (h != null) {
                h.close();
            }
        }
        resources.close();
    }

    private static double counter(Hub hub, String name) {
        return hub.registry().find(name).counters().stream()
                .mapToDouble(c -> c.count())
                .sum();
    }

    private static void produce(ClientResources resources, String stream, int from, int to, int... ports)
            throws Exception {
        try (Producer p = Producer.create(
                resources,
                HubsOnPulsar.client(ports),
                ProducerOptions.defaults(stream).withBatching(20, Duration.ofMillis(1), 4))) {
            for (int i = from; i < to; i++) {
                p.put("k" + (i % 7), ("r" + i).getBytes(StandardCharsets.UTF_8));
            }
            p.flush().get(60, TimeUnit.SECONDS);
        }
    }

    private GroupDescription describe(int port, String stream) {
        try (AdminClient admin = AdminClient.connect(resources, HubsOnPulsar.client(port))) {
            return admin.describeGroup(stream, GROUP);
        }
    }

    private static Map<String, Long> checkpoints(GroupDescription d) {
        Map<String, Long> out = new HashMap<>();
        for (GroupShardLag s : d.getShardsList()) {
            out.put(s.getShardId(), s.getCheckpoint());
        }
        return out;
    }

    private Map<String, Long> ends(String stream, int... ports) {
        return HubsOnPulsar.ends(resources, stream, ports);
    }

    @Test
    void aMemberAtTheOtherHubIsSentToTheCoordinator_andTheOtherTakesTheGroupOverFromItsRowsWhenItCloses()
            throws Exception {
        String stream = "groups-" + System.nanoTime();
        int portA = PulsarStandalone.freePort();
        int portB = PulsarStandalone.freePort();
        a = HubsOnPulsar.start(PULSAR.broker(), Files.createDirectory(dir.resolve("a")), portA);
        b = HubsOnPulsar.start(PULSAR.broker(), Files.createDirectory(dir.resolve("b")), portB);
        HubsOnPulsar.createStream(resources, portA, stream, SHARDS);
        HubsOnPulsar.awaitStream(resources, portB, stream);
        produce(resources, stream, 0, 300, portA, portB);
        Map<String, Long> ends = ends(stream, portA, portB);
        List<String> shards = List.copyOf(new TreeSet<>(ends.keySet()));
        String shard0 = shards.get(0);

        // The first member joins at A: A coordinates the group.
        LeaseAssignment first;
        long token1;
        try (RawMember r = new RawMember(resources, HubsOnPulsar.client(portA), stream, GROUP, "raw")) {
            first = r.heartbeat();
            assertThat(first.getCoordinatorEndpoint()).isEmpty();
            assertThat(first.getLeasesList()).hasSize(SHARDS);
            token1 = first.getLeases(0).getToken();
            Lease lease0 = first.getLeasesList().stream()
                    .filter(l -> l.getShardId().equals(shard0))
                    .findFirst()
                    .orElseThrow();

            // A member at B is sent to A: no leases, A's endpoint; so is its checkpoint.
            try (RawMember atB = new RawMember(resources, HubsOnPulsar.client(portB), stream, GROUP, "other")) {
                LeaseAssignment sent = atB.heartbeat();
                assertThat(sent.getLeasesList()).isEmpty();
                assertThat(sent.getCoordinatorEndpoint()).isEqualTo("127.0.0.1:" + portA);
                CheckpointAck refused = atB.checkpoint(shard0, lease0.getToken(), 5);
                assertThat(refused.getAccepted()).isFalse();
                assertThat(refused.getCoordinatorEndpoint()).isEqualTo("127.0.0.1:" + portA);
            }
            assertThat(counter(b, "tributary.hub.group.redirects")).isGreaterThanOrEqualTo(2);

            // A checkpoint at the coordinator is durable in Pulsar: B describes it from there.
            assertThat(r.checkpoint(shard0, lease0.getToken(), 99).getAccepted())
                    .isTrue();
            assertThat(checkpoints(describe(portB, stream))).containsEntry(shard0, 99L);

            // Lease checks at B (which does not coordinate the group) read the newest token stored in Pulsar.
            assertThat(b.groups()
                            .holds(stream, GROUP, shard0, lease0.getToken())
                            .get(30, TimeUnit.SECONDS))
                    .isTrue();
            assertThat(b.groups()
                            .holds(stream, GROUP, shard0, lease0.getToken() - 1)
                            .get(30, TimeUnit.SECONDS))
                    .isFalse();
            assertThat(b.groups()
                            .holds(stream, GROUP, shard0, lease0.getToken() + 5)
                            .get(30, TimeUnit.SECONDS))
                    .isFalse();
        } // the raw member leaves: its leases are free

        // A member with both hubs, B first: sent to A, leased there, reads each shard where it is written (the lease
        // checked by whichever hub serves it), resumes shard0 after the raw member's checkpoint.
        RecordingProcessor.Log log = new RecordingProcessor.Log();
        Map<String, Long> after = new HashMap<>();
        GroupConsumerOptions options =
                GroupConsumerOptions.of(stream, GROUP).withMemberId("member").withHeartbeat(Duration.ofMillis(200));
        try (GroupConsumer member = GroupConsumer.start(
                resources, HubsOnPulsar.client(portB, portA), options, () -> new RecordingProcessor(log))) {
            await("every record processed and checkpointed")
                    .atMost(Duration.ofSeconds(60))
                    .until(() -> shards.stream().allMatch(s -> log.acked(s) == ends.get(s)));
            assertThat(log.starts(shard0).get(0)[0])
                    .as("shard0 resumes after the checkpoint")
                    .isEqualTo(100);
            assertThat(log.distinct(shard0).first()).isEqualTo(100);
            assertThat(checkpoints(describe(portB, stream))).isEqualTo(ends);

            // A closes: its groups are released, B takes the group over at the member's next heartbeat.
            double takeoversBefore = counter(b, "tributary.store.pulsar.group.takeovers");
            a.close();
            a = null;
            await("B takes the group over")
                    .atMost(Duration.ofSeconds(30))
                    .until(() -> counter(b, "tributary.store.pulsar.group.takeovers") > takeoversBefore);
            produce(resources, stream, 300, 400, portB);
            after.putAll(ends(stream, portB));
            await("the new records processed at B")
                    .atMost(Duration.ofSeconds(60))
                    .until(() -> shards.stream().allMatch(s -> log.acked(s) == after.get(s)));

            // Fencing holds across the takeover: the tokens granted before are stale at B.
            try (RawMember stale = new RawMember(resources, HubsOnPulsar.client(portB), stream, GROUP, "raw")) {
                CheckpointAck ack = stale.checkpoint(shard0, token1, 399);
                assertThat(ack.getAccepted()).isFalse();
                assertThat(ack.getReason()).contains("stale lease");
            }
            assertThat(checkpoints(describe(portB, stream))).isEqualTo(after);
        }
        // No record acknowledged by a checkpoint was delivered again: each later lease started after the checkpoint
        // the hub had acknowledged (at most after one it stored whose acknowledgement was lost); every record from
        // the first start was processed.
        for (String s : shards) {
            List<long[]> starts = log.starts(s);
            assertThat(starts.size())
                    .as("leases of %s (one before the takeover, one after)", s)
                    .isGreaterThan(1);
            for (long[] start : starts.subList(1, starts.size())) {
                assertThat(Math.max(0, start[0]))
                        .as("start of a later lease of %s (acknowledged %d, sent %d)", s, start[1], start[2])
                        .isBetween(start[1] + 1, start[2] + 1);
            }
            long from = Math.max(0, starts.get(0)[0]);
            TreeSet<Long> seen = log.distinct(s);
            assertThat(seen.first()).isEqualTo(from);
            assertThat(seen.last()).isEqualTo(after.get(s));
            assertThat(seen).as("every record of %s from %d", s, from).hasSize((int) (after.get(s) - from + 1));
        }
    }
}
