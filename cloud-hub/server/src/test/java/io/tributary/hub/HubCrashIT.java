package io.tributary.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.hub.TestRecords.Stored;
import io.tributary.hub.client.Producer;
import io.tributary.hub.client.PutResult;
import io.tributary.hub.client.core.ClientResources;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hub's exactly-once promise under crashes: a hub runs in a child JVM ({@code HubMain}) while one producer keeps
 * putting records under several partition keys; the child is killed with SIGKILL at seeded random moments and
 * started again on the same data directory and port, 20 times. The producer resends what was not acknowledged, so the
 * hub must recognise the batches it had already made durable. At the end every record is acknowledged and stored
 * exactly once, in put order per partition key, at the position its acknowledgement named.
 */
class HubCrashIT {
    private static final int KILLS = 20;
    private static final String STREAM = "crash";
    private static final List<String> KEYS = List.of("north", "south", "east", "west", "roof");
    /** Records put but not yet acknowledged, at most: keeps batches in flight at every kill, and memory bounded. */
    private static final int OUTSTANDING = 150;

    @TempDir
    Path dir;

    private final Map<String, PutResult> acked = new ConcurrentHashMap<>();
    private final Map<String, Throwable> failed = new ConcurrentHashMap<>();
    private final AtomicInteger put = new AtomicInteger();

    @Test
    void hubKilledRepeatedly_everyAcknowledgedRecordIsStoredOnceInKeyOrder() throws Exception {
        Random random = new Random(0x7121_BA7EL);
        Path data = dir.resolve("hub");
        int port = HubProcesses.freePort();
        AtomicBoolean feeding = new AtomicBoolean(true);
        try (ClientResources resources = new ClientResources(1)) {
            Producer producer =
                    Producer.create(resources, TestHubs.client(port), TestHubs.producer(STREAM, "crash-producer", 6));
            Thread feeder = null;
            try {
                for (int run = 0; run < KILLS; run++) {
                    Process child = startChild(data, port, run);
                    try {
                        if (run == 0) {
                            TestHubs.createStream(resources, TestHubs.client(port), STREAM, 3);
                            feeder = new Thread(() -> feed(producer, feeding), "crash-feeder");
                            feeder.start();
                        }
                        int target = acked.size() + 1 + random.nextInt(40);
                        await().atMost(Duration.ofSeconds(30))
                                .pollInterval(Duration.ofMillis(2))
                                .until(() -> acked.size() >= target || !failed.isEmpty() || !child.isAlive());
                        assertThat(failed)
                                .as("puts that failed during run %d", run)
                                .isEmpty();
                        assertThat(child.isAlive())
                                .as("hub child of run %d alive until killed", run)
                                .isTrue();
                    } finally {
                        child.destroyForcibly();
                        assertThat(child.waitFor(20, TimeUnit.SECONDS)).isTrue();
                    }
                }
                feeding.set(false);
                if (feeder != null) {
                    feeder.join(10_000);
                }
                // A last hub, in process on the same port: the producer delivers what is left, and we read the shards.
                try (Hub hub = Hub.start(TestHubs.config(data, Map.of("port", Integer.toString(port))))) {
                    producer.flush().get(60, TimeUnit.SECONDS);
                    // put callbacks run on the producer's callback executor, not ordered before flush's completion
                    await().atMost(Duration.ofSeconds(30)).until(() -> acked.size() + failed.size() >= put.get());
                    verify(hub);
                }
            } finally {
                feeding.set(false);
                producer.close();
            }
        }
    }

    /** Puts records round-robin over the keys, {@code "<key>:<n>"} with n counting per key, until told to stop. */
    private void feed(Producer producer, AtomicBoolean feeding) {
        Semaphore outstanding = new Semaphore(OUTSTANDING);
        Map<String, Integer> next = new HashMap<>();
        try {
            for (int i = 0; feeding.get(); i++) {
                if (!outstanding.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                    continue;
                }
                String key = KEYS.get(i % KEYS.size());
                String text = key + ":" + next.merge(key, 1, Integer::sum);
                put.incrementAndGet();
                producer.put(key, text.getBytes(StandardCharsets.UTF_8)).whenComplete((r, e) -> {
                    if (e == null) {
                        acked.put(text, r);
                    } else {
                        failed.put(text, e);
                    }
                    outstanding.release();
                });
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void verify(Hub hub) {
        assertThat(failed).isEmpty();
        assertThat(acked).hasSize(put.get());
        List<Stored> stored = TestRecords.readStream(hub.store(), hub.streams().describe(STREAM));
        Set<String> seen = new HashSet<>();
        Map<String, List<Integer>> byKey = new HashMap<>();
        for (Stored s : stored) {
            assertThat(seen.add(s.text())).as("%s stored once", s.text()).isTrue();
            String[] parts = s.text().split(":");
            byKey.computeIfAbsent(parts[0], k -> new ArrayList<>()).add(Integer.parseInt(parts[1]));
            PutResult r = acked.get(s.text());
            assertThat(r).as("ack of stored record %s", s.text()).isNotNull();
            if (r.sequence() >= 0) {
                assertThat(r.shardId() + "@" + r.sequence())
                        .as("position acknowledged for %s", s.text())
                        .isEqualTo(s.shardId() + "@" + s.sequence());
            }
        }
        assertThat(seen).containsExactlyInAnyOrderElementsOf(acked.keySet());
        for (Map.Entry<String, List<Integer>> e : byKey.entrySet()) {
            List<Integer> expected = new ArrayList<>();
            for (int n = 1; n <= e.getValue().size(); n++) {
                expected.add(n);
            }
            assertThat(e.getValue()).as("order of key %s", e.getKey()).isEqualTo(expected);
        }
        assertThat(acked.values().stream().filter(PutResult::duplicate).count())
                .as("records the hub recognised as retries after a kill")
                .isPositive();
    }

    private Process startChild(Path data, int port, int run) {
        return HubProcesses.startHub(data, port, "crash-" + run, dir.resolve("children.err"));
    }
}
