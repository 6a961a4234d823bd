package io.tributary.hub.store.pulsar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.hub.HubProcesses;
import io.tributary.hub.client.Producer;
import io.tributary.hub.client.ProducerOptions;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.hub.client.group.GroupConsumer;
import io.tributary.hub.client.group.GroupConsumerOptions;
import io.tributary.hub.group.RawMember;
import io.tributary.protocol.v1.CheckpointAck;
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
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A consumer group across two hubs in child JVMs over one Pulsar; the hub that coordinates the group is SIGKILLed
 * while a member processes a live feed and checkpoints every batch. The other hub takes the group over from the rows
 * in Pulsar: the member resumes there at its checkpoints (no record an acknowledged checkpoint covers is delivered
 * again; every record is processed), and the tokens granted before the kill are refused after it.
 */
class PulsarGroupsKillIT {
    private static final int SHARDS = 2;
    private static final String GROUP = "g";
    private static final String MEMBER = "member";

    @RegisterExtension
    static final PulsarBroker PULSAR = new PulsarBroker();

    @TempDir
    Path dir;

    private Process start(String name, int port) throws Exception {
        return HubsOnPulsar.startProcess(
                PULSAR.broker(), Files.createDirectory(dir.resolve(name)), port, name, dir.resolve(name + ".err"));
    }

    @Test
    void coordinatorKilled_theOtherHubTakesTheGroupOver_membersResumeAtTheirCheckpoints_staleTokensRefused()
            throws Exception {
        String stream = "group-kill-" + System.nanoTime();
        int portA = HubProcesses.freePort();
        int portB = HubProcesses.freePort();
        Process a = start("hub-a", portA);
        Process b = null;
        try (ClientResources resources = new ClientResources(1)) {
            b = start("hub-b", portB);
            HubsOnPulsar.createStream(resources, portA, stream, SHARDS);
            HubsOnPulsar.awaitStream(resources, portB, stream);
            Producer producer = Producer.create(
                    resources,
                    HubsOnPulsar.client(portA, portB),
                    ProducerOptions.defaults(stream).withBatching(20, Duration.ofMillis(2), 4));
            AtomicInteger put = new AtomicInteger();
            try {
                for (; put.get() < 300; put.incrementAndGet()) {
                    producer.put("k" + (put.get() % 7), ("r" + put.get()).getBytes(StandardCharsets.UTF_8));
                }
                producer.flush().get(60, TimeUnit.SECONDS);
                Map<String, Long> firstEnds = HubsOnPulsar.ends(resources, stream, portA, portB);
                List<String> shards = List.copyOf(new TreeSet<>(firstEnds.keySet()));
                String shard0 = shards.get(0);

                // A first member at A makes A the coordinator, checkpoints shard0 at 49 and leaves.
                long rawToken;
                try (RawMember raw = new RawMember(resources, HubsOnPulsar.client(portA), stream, GROUP, "raw")) {
                    LeaseAssignment first = raw.heartbeat();
                    assertThat(first.getCoordinatorEndpoint()).isEmpty();
                    Lease lease0 = first.getLeasesList().stream()
                            .filter(l -> l.getShardId().equals(shard0))
                            .findFirst()
                            .orElseThrow();
                    rawToken = lease0.getToken();
                    assertThat(raw.checkpoint(shard0, rawToken, 49).getAccepted())
                            .isTrue();
                }

                // The member starts at B, is sent to A, and processes everything (checkpointing every batch).
                RecordingProcessor.Log log = new RecordingProcessor.Log();
                GroupConsumerOptions options = GroupConsumerOptions.of(stream, GROUP)
                        .withMemberId(MEMBER)
                        .withHeartbeat(Duration.ofMillis(200));
                try (GroupConsumer member = GroupConsumer.start(
                        resources, HubsOnPulsar.client(portB, portA), options, () -> new RecordingProcessor(log))) {
                    await("every record processed at first")
                            .atMost(Duration.ofSeconds(60))
                            .until(() -> shards.stream().allMatch(s -> log.acked(s) == firstEnds.get(s)));
                    assertThat(log.starts(shard0).get(0)[0])
                            .as("resumes after the raw checkpoint")
                            .isEqualTo(50);

                    // The member's tokens at A, as A announces them (a heartbeat under its id; this connection dies
                    // with A).
                    RawMember spy = new RawMember(resources, HubsOnPulsar.client(portA), stream, GROUP, MEMBER);
                    Map<String, Long> tokensBefore = new HashMap<>();
                    for (Lease l : spy.heartbeat().getLeasesList()) {
                        tokensBefore.put(l.getShardId(), l.getToken());
                    }
                    assertThat(tokensBefore).hasSize(SHARDS);

                    // A live feed, then the coordinator is killed under it.
                    // 20 records every 20 ms, up to 900, from a scheduler (a paced feed, not a wait)
                    java.util.concurrent.ScheduledExecutorService feeder =
                            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
                                    r -> new Thread(r, "group-kill-feeder"));
                    feeder.scheduleAtFixedRate(
                            () -> {
                                for (int n = 0; n < 20 && put.get() < 900; n++) {
                                    int i = put.getAndIncrement();
                                    producer.put("k" + (i % 7), ("r" + i).getBytes(StandardCharsets.UTF_8));
                                }
                            },
                            0,
                            20,
                            TimeUnit.MILLISECONDS);
                    await("the member processes the live feed")
                            .atMost(Duration.ofSeconds(30))
                            .until(() -> shards.stream().mapToLong(log::acked).sum()
                                    > firstEnds.values().stream()
                                                    .mapToLong(Long::longValue)
                                                    .sum()
                                            + 100);
                    a.destroyForcibly();
                    assertThat(a.waitFor(20, TimeUnit.SECONDS)).isTrue();
                    a = null;
                    long killedAt = System.nanoTime();
                    spy.close();
                    await("the feed put").atMost(Duration.ofSeconds(60)).until(() -> put.get() >= 900);
                    feeder.shutdownNow();
                    producer.flush().get(120, TimeUnit.SECONDS);
                    Map<String, Long> lastEnds = HubsOnPulsar.ends(resources, stream, portB);
                    await("every record processed at B after the kill")
                            .atMost(Duration.ofSeconds(60))
                            .until(() -> shards.stream().allMatch(s -> log.acked(s) == lastEnds.get(s)));
                    System.out.printf(
                            "PulsarGroupsKillIT: %d records; from the kill until all processed at B: %d ms%n",
                            put.get(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt));

                    // Fencing holds across the takeover: every token granted before the kill is refused at B.
                    try (RawMember stale =
                            new RawMember(resources, HubsOnPulsar.client(portB), stream, GROUP, MEMBER)) {
                        for (String s : shards) {
                            CheckpointAck ack = stale.checkpoint(s, tokensBefore.get(s), lastEnds.get(s));
                            assertThat(ack.getAccepted())
                                    .as("checkpoint of %s with its token before the kill", s)
                                    .isFalse();
                            assertThat(ack.getReason()).contains("stale lease");
                        }
                        CheckpointAck raw = stale.checkpoint(shard0, rawToken, lastEnds.get(shard0));
                        assertThat(raw.getAccepted()).isFalse();
                    }

                    // No record an acknowledged checkpoint covered was delivered again; every record was processed.
                    for (String s : shards) {
                        List<long[]> starts = log.starts(s);
                        assertThat(starts.size())
                                .as("leases of %s: before and after the kill", s)
                                .isGreaterThan(1);
                        for (long[] start : starts.subList(1, starts.size())) {
                            assertThat(Math.max(0, start[0]))
                                    .as(
                                            "start of a later lease of %s (acknowledged %d, sent %d)",
                                            s, start[1], start[2])
                                    .isBetween(start[1] + 1, start[2] + 1);
                        }
                        long from = Math.max(0, starts.get(0)[0]);
                        TreeSet<Long> seen = log.distinct(s);
                        assertThat(seen.first()).isEqualTo(from);
                        assertThat(seen.last()).isEqualTo(lastEnds.get(s));
                        assertThat(seen)
                                .as("every record of %s from %d", s, from)
                                .hasSize((int) (lastEnds.get(s) - from + 1));
                    }
                }
            } finally {
                producer.close();
            }
        } finally {
            for (Process p : new Process[] {a, b}) {
                if (p != null) {
                    p.destroyForcibly();
                    p.waitFor(20, TimeUnit.SECONDS);
                }
            }
        }
    }
}
