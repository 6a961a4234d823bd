package io.tributary.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.hub.TestRecords.Stored;
import io.tributary.hub.client.Producer;
import io.tributary.hub.client.core.ClientResources;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
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

    private final KeyedFeed feed = new KeyedFeed(KEYS, OUTSTANDING);

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
                            feeder = new Thread(() -> feed.run(producer, feeding), "crash-feeder");
                            feeder.start();
                        }
                        int target = feed.acked().size() + 1 + random.nextInt(40);
                        await().atMost(Duration.ofSeconds(30))
                                .pollInterval(Duration.ofMillis(2))
                                .until(() -> feed.acked().size() >= target
                                        || !feed.failed().isEmpty()
                                        || !child.isAlive());
                        assertThat(feed.failed())
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
                    feed.awaitAnswered(Duration.ofSeconds(30));
                    verify(hub);
                }
            } finally {
                feeding.set(false);
                producer.close();
            }
        }
    }

    private void verify(Hub hub) {
        List<KeyedFeed.Placed> stored = TestRecords.readStream(
                        hub.store(), hub.streams().describe(STREAM))
                .stream()
                .map(Stored::placed)
                .toList();
        assertThat(feed.verify(stored, true))
                .as("records the hub recognised as retries after a kill")
                .isPositive();
    }

    private Process startChild(Path data, int port, int run) {
        return HubProcesses.startHub(data, port, "crash-" + run, dir.resolve("children.err"));
    }
}
