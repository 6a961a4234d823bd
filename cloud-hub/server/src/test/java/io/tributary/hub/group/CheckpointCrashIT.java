package io.tributary.hub.group;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.hub.HubProcesses;
import io.tributary.hub.client.AdminClient;
import io.tributary.hub.client.core.ClientOptions;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.hub.client.core.HubEndpoint;
import io.tributary.protocol.v1.CheckpointAck;
import io.tributary.protocol.v1.Lease;
import io.tributary.protocol.v1.LeaseAssignment;
import io.tributary.protocol.v1.PartitionKeyMode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoint and lease-token durability under SIGKILL: a hub runs in a child JVM while members of several groups
 * checkpoint as fast as the hub acknowledges (so group commits hold rows of many groups); the child is killed at
 * seeded moments and restarted on the same data directory. After each restart every group shard's checkpoint is at
 * least the last one acknowledged before the kill, and every new lease token is above every token granted before (a
 * token is never handed out twice, so fencing holds across crashes).
 */
class CheckpointCrashIT {
    private static final int KILLS = 6;
    private static final int GROUPS = 4;
    private static final int SHARDS = 2;
    private static final String STREAM = "s";

    @TempDir
    Path dir;

    /** Per group shard: the last checkpoint acknowledged, the last sent, the largest token granted. */
    private final Map<GroupShard, Long> acked = new ConcurrentHashMap<>();

    private final Map<GroupShard, Long> sent = new ConcurrentHashMap<>();
    private final Map<GroupShard, Long> tokens = new ConcurrentHashMap<>();
    private final AtomicInteger acks = new AtomicInteger();
    private final Queue<String> errors = new ConcurrentLinkedQueue<>();

    @Test
    void hubKilledWhileGroupsCheckpoint_everyAcknowledgedCheckpointAndTokenSurvives() throws Exception {
        Random random = new Random(0xC4EC_4B01L);
        Path data = dir.resolve("hub");
        int port = HubProcesses.freePort();
        ClientOptions options = ClientOptions.builder(List.of(new HubEndpoint("127.0.0.1", port)))
                .connectTimeout(Duration.ofSeconds(10))
                .build();
        List<String> perRun = new ArrayList<>();
        try (ClientResources resources = new ClientResources(1)) {
            for (int run = 0; run <= KILLS; run++) {
                Process child = HubProcesses.startHub(data, port, "ckpt-" + run, dir.resolve("children.err"));
                List<Thread> members = new ArrayList<>();
                List<RawMember> raw = new ArrayList<>();
                try {
                    if (run == 0) {
                        try (AdminClient admin = AdminClient.connect(resources, options)) {
                            admin.createStream(STREAM, SHARDS, PartitionKeyMode.PARTITION_KEY_MODE_GROUP, 0, 0);
                        }
                    }
                    int before = acks.get();
                    for (int g = 0; g < GROUPS; g++) {
                        GroupKey group = new GroupKey(STREAM, "g" + g);
                        RawMember m = new RawMember(resources, options, STREAM, group.group(), "m" + run + "-" + g);
                        raw.add(m);
                        Map<String, Long> held = join(m, group, run);
                        members.add(new Thread(() -> checkpointLoop(m, group, held), "member-" + run + "-" + g));
                    }
                    members.forEach(Thread::start);
                    if (run == KILLS) {
                        break;
                    }
                    int target = before + 20 + random.nextInt(400);
                    await().atMost(Duration.ofSeconds(30))
                            .pollInterval(Duration.ofMillis(1))
                            .until(() -> acks.get() >= target || !child.isAlive());
                    assertThat(child.isAlive())
                            .as("hub of run %d alive until killed", run)
                            .isTrue();
                    perRun.add("run " + run + ": " + (acks.get() - before) + " acks");
                } finally {
                    child.destroyForcibly();
                    assertThat(child.waitFor(20, TimeUnit.SECONDS)).isTrue();
                    raw.forEach(RawMember::close);
                    for (Thread t : members) {
                        t.join(20_000);
                        assertThat(t.isAlive())
                                .as("member thread ends with its hub")
                                .isFalse();
                    }
                }
            }
        }
        assertThat(errors).as("checkpoints refused while the hub ran").isEmpty();
        System.out.printf("CheckpointCrashIT: %d kills, %d acks; %s%n", KILLS, acks.get(), perRun);
    }

    /**
     * Joins the group as its only member; checks the leases it gets against what was acknowledged before the kill and
     * returns their tokens by shard.
     */
    private Map<String, Long> join(RawMember m, GroupKey group, int run) throws Exception {
        LeaseAssignment a = await().atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(10))
                .until(m::heartbeat, x -> x.getLeasesCount() == SHARDS);
        Map<String, Long> held = new ConcurrentHashMap<>();
        for (Lease l : a.getLeasesList()) {
            GroupShard key = group.shard(l.getShardId());
            long ackedBefore = acked.getOrDefault(key, -1L);
            assertThat(l.getCheckpoint())
                    .as("run %d: checkpoint of %s after the kill", run, key)
                    .isGreaterThanOrEqualTo(ackedBefore)
                    .isLessThanOrEqualTo(sent.getOrDefault(key, -1L));
            assertThat(l.getToken())
                    .as("run %d: new token of %s is above every earlier grant", run, key)
                    .isGreaterThan(tokens.getOrDefault(key, 0L));
            tokens.put(key, l.getToken());
            acked.put(key, l.getCheckpoint());
            held.put(l.getShardId(), l.getToken());
        }
        return held;
    }

    /** Checkpoints the held shards in turn, one outstanding at a time, until the connection breaks. */
    private void checkpointLoop(RawMember m, GroupKey group, Map<String, Long> held) {
        try {
            while (true) {
                for (Map.Entry<String, Long> e : held.entrySet()) {
                    GroupShard key = group.shard(e.getKey());
                    long next = acked.getOrDefault(key, -1L) + 1;
                    sent.put(key, next);
                    CheckpointAck ack = m.checkpoint(e.getKey(), e.getValue(), next, false);
                    if (!ack.getAccepted()) {
                        errors.add(key + " refused: " + ack.getReason());
                        return;
                    }
                    acked.put(key, next);
                    acks.incrementAndGet();
                }
            }
        } catch (Exception e) {
            // The hub was killed.
        }
    }
}
