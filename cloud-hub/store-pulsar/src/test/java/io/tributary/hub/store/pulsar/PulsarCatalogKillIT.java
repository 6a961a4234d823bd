package io.tributary.hub.store.pulsar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.hub.Hub;
import io.tributary.hub.client.AdminClient;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.hub.stream.ShardDefinition;
import io.tributary.hub.stream.StreamDefinition;
import io.tributary.protocol.v1.PartitionKeyMode;
import io.tributary.testsupport.ChildJvms;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGKILL a hub (a child JVM) while its admin client changes streams in a loop: a fresh hub on an empty data dir then
 * finds every change the client saw acknowledged, the one under way at the kill entirely or not at all (never a stream
 * half-resharded), and the catalog's cross-hub lock free (the dead hub's connection is gone).
 */
class PulsarCatalogKillIT {
    /** The steps each stream goes through: create (1 shard), split it, merge the children, delete (even ones). */
    private static final int CREATE = 0;

    private static final int SPLIT = 1;
    private static final int MERGE = 2;
    private static final int DELETE = 3;

    @RegisterExtension
    static final PulsarBroker PULSAR = new PulsarBroker();

    @TempDir
    Path dir;

    private static String name(int i) {
        return "k" + i;
    }

    private static int steps(int i) {
        return i % 2 == 0 ? DELETE + 1 : MERGE + 1;
    }

    /** The stream as step {@code step} leaves it: its shard ids, or empty when it does not exist. */
    private static Optional<List<String>> after(int step) {
        return switch (step) {
            case -1, DELETE -> Optional.empty();
            case CREATE -> Optional.of(List.of("shard-000000"));
            case SPLIT -> Optional.of(List.of("shard-000000", "shard-000001", "shard-000002"));
            case MERGE -> Optional.of(List.of("shard-000000", "shard-000001", "shard-000002", "shard-000003"));
            default -> throw new IllegalArgumentException("step " + step);
        };
    }

    private static void run(AdminClient admin, String stream, int step) {
        switch (step) {
            case CREATE -> admin.createStream(stream, 1, PartitionKeyMode.PARTITION_KEY_MODE_GROUP, 0, 0);
            case SPLIT -> admin.splitShard(stream, "shard-000000", 0);
            case MERGE -> admin.mergeShards(stream, "shard-000001", "shard-000002");
            case DELETE -> admin.deleteStream(stream);
            default -> throw new IllegalArgumentException("step " + step);
        }
    }

    @Test
    void hubKilledWhileChangingStreams_everyAcknowledgedChangeIsThereAndNoneHalfDone() throws Exception {
        PulsarStandalone broker = PULSAR.broker();
        String namespace = "catalog-kill-" + System.nanoTime();
        Path log = dir.resolve("child.log");
        Process child = new ProcessBuilder(ChildJvms.command(
                        "192m",
                        PulsarCatalogHubMain.class,
                        Files.createDirectory(dir.resolve("killed")).toString(),
                        broker.serviceUrl(),
                        broker.adminUrl().toString(),
                        namespace))
                .redirectError(log.toFile())
                .start();
        Map<Integer, Integer> acked = new ConcurrentHashMap<>(); // stream index -> last step acknowledged
        AtomicInteger acks = new AtomicInteger();
        AtomicReference<Throwable> stoppedBy = new AtomicReference<>();
        // The kill comes a few milliseconds after an acknowledgement that varies from run to run, so that it lands in
        // different steps, mostly while the next change is under way.
        int killAt = 30 + ThreadLocalRandom.current().nextInt(15);
        long killDelayMs = ThreadLocalRandom.current().nextLong(30);
        try (ClientResources resources = new ClientResources(1)) {
            int port;
            try (BufferedReader out =
                    new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                String line = out.readLine();
                assertThat(line)
                        .as("the child hub's first line (log: %s)", log)
                        .startsWith("PORT ")
                        .endsWith(" .");
                port = Integer.parseInt(line.split(" ")[1]);
            }
            long started = System.nanoTime();
            Thread changes = new Thread(() -> {
                try (AdminClient admin = AdminClient.connect(resources, PulsarHubs.client(port))) {
                    for (int i = 0; ; i++) {
                        for (int step = 0; step < steps(i); step++) {
                            run(admin, name(i), step);
                            acked.put(i, step);
                            if (acks.incrementAndGet() == killAt) {
                                long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
                                System.out.println("PulsarCatalogKillIT: " + killAt + " changes in " + ms
                                        + " ms through the hub's admin API, " + (ms / killAt) + " ms each");
                                CompletableFuture.delayedExecutor(killDelayMs, TimeUnit.MILLISECONDS)
                                        .execute(child::destroyForcibly);
                            }
                        }
                    }
                } catch (RuntimeException e) {
                    stoppedBy.set(e); // the hub is gone: the change under way has no answer
                }
            });
            changes.start();
            await("the change loop stopped by the kill")
                    .atMost(Duration.ofSeconds(120))
                    .until(() -> stoppedBy.get() != null);
            assertThat(acks.get())
                    .as("changes acknowledged when the loop stopped (%s; log: %s)", stoppedBy.get(), log)
                    .isGreaterThanOrEqualTo(killAt);
            assertThat(child.waitFor(20, TimeUnit.SECONDS)).isTrue();
            changes.join(TimeUnit.SECONDS.toMillis(60));
            assertThat(changes.isAlive()).isFalse();
        } finally {
            child.destroyForcibly();
        }

        try (Hub fresh = PulsarHubs.start(Files.createDirectory(dir.resolve("fresh")), broker, namespace)) {
            int last = acked.keySet().stream().mapToInt(Integer::intValue).max().orElseThrow();
            System.out.println("PulsarCatalogKillIT: killed " + killDelayMs + " ms after acknowledged change "
                    + killAt + "; " + acks.get() + " acknowledged, the last to " + name(last) + " (step "
                    + acked.get(last) + "); " + fresh.streams().list().size() + " streams in the catalog");
            // The one change that can have been under way at the kill: the next step of the last stream, or else the
            // next stream's creation.
            int changing = acked.get(last) + 1 < steps(last) ? last : last + 1;
            for (int i = 0; i <= last + 1; i++) {
                int step = acked.getOrDefault(i, -1);
                Optional<List<String>> found = fresh.streams()
                        .find(name(i))
                        .map(s -> s.shards().stream().map(ShardDefinition::id).toList());
                Optional<List<String>> acknowledged = after(step);
                Optional<List<String>> underWay = i == changing ? after(step + 1) : acknowledged;
                assertThat(found)
                        .as("stream %s: last acknowledged step %d", name(i), step)
                        .isIn(acknowledged, underWay);
            }
            // Every stream read is whole: its open shards cover the hash space once (checked on decoding).
            assertThat(fresh.streams().list())
                    .allSatisfy(s -> assertThat(s.openShards()).isNotEmpty());
            // The dead hub's lock went with its connection: a change goes through at once.
            try (ClientResources resources = new ClientResources(1);
                    AdminClient admin = AdminClient.connect(resources, PulsarHubs.client(fresh.port()))) {
                admin.createStream("after-kill", 2, PartitionKeyMode.PARTITION_KEY_MODE_GROUP, 0, 0);
            }
            assertThat(fresh.streams().find("after-kill").map(StreamDefinition::shards))
                    .hasValueSatisfying(s -> assertThat(s).hasSize(2));
        }
    }
}
