package io.tributary.hub.store.pulsar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.hub.HubProcesses;
import io.tributary.hub.KeyedFeed;
import io.tributary.hub.client.AdminClient;
import io.tributary.hub.client.Producer;
import io.tributary.hub.client.ProducerOptions;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.protocol.v1.ShardDescription;
import io.tributary.protocol.v1.StreamDescription;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two hubs in child JVMs over one Pulsar, a producer (the client library) configured with both, putting records under
 * several keys without pause. The hub that writes the stream's shards is SIGKILLed {@value #KILLS} times; each time the
 * other takes them over (the broker drops the dead hub's exclusive producers, the survivor's next try takes the topics
 * and scans them), and the killed hub is started again on an <em>empty</em> data dir and serves by redirecting to the
 * writer. At the end every record is acknowledged and stored exactly once, in put order per key, where its
 * acknowledgement said, and some resends were answered as duplicates of batches a killed hub had stored.
 *
 * <p>The stream is created once, on the first hub; every later start (on an empty data dir) finds it in the catalog
 * the hubs share in Pulsar.
 */
class PulsarHubsKillIT {
    private static final int KILLS = 10;
    private static final int SHARDS = 2;
    private static final List<String> KEYS = List.of("north", "south", "east", "west", "roof");
    /** Records put but not yet acknowledged, at most: batches in flight at every kill, memory bounded. */
    private static final int OUTSTANDING = 150;

    @RegisterExtension
    static final PulsarBroker PULSAR = new PulsarBroker();

    @TempDir
    Path dir;

    private final KeyedFeed feed = new KeyedFeed(KEYS, OUTSTANDING);
    private boolean streamCreated;
    /** Per kill: from the SIGKILL until the survivor described every shard online (an upper bound: polled). */
    private final List<Long> takeoverMillis = new ArrayList<>();

    /** A hub child: its port and process (null while down). */
    private final class Child {
        final String name;
        final int port;
        Process process;
        int starts;

        Child(String name, int port) {
            this.name = name;
            this.port = port;
        }

        /**
         * Starts it on a new, empty data dir; the very first start creates the stream, the others wait until the
         * hub has read it from the shared catalog.
         */
        void start(ClientResources resources, String stream) throws Exception {
            Path data = Files.createDirectory(dir.resolve(name + "-" + starts++));
            process = HubsOnPulsar.startProcess(PULSAR.broker(), data, port, name, dir.resolve(name + ".err"));
            if (!streamCreated) {
                HubsOnPulsar.createStream(resources, port, stream, SHARDS);
                streamCreated = true;
            } else {
                HubsOnPulsar.awaitStream(resources, port, stream);
            }
        }

        void kill() throws InterruptedException {
            process.destroyForcibly();
            assertThat(process.waitFor(20, TimeUnit.SECONDS)).isTrue();
            process = null;
        }

        StreamDescription describe(ClientResources resources, String stream) {
            try (AdminClient admin = AdminClient.connect(resources, HubsOnPulsar.client(port))) {
                return admin.describeStream(stream);
            }
        }

        /** Whether every shard's status here starts with {@code status} ("online", "written by another hub"). */
        boolean allShards(ClientResources resources, String stream, String status) {
            return describe(resources, stream).getShardsList().stream()
                    .allMatch(s -> s.getStatus().startsWith(status));
        }
    }

    @Test
    void writerKilledTenTimes_theOtherHubTakesOver_everyRecordOnceInKeyOrder() throws Exception {
        String stream = "kill-" + System.nanoTime();
        Child a = new Child("hub-a", HubProcesses.freePort());
        Child b = new Child("hub-b", HubProcesses.freePort());
        AtomicBoolean feeding = new AtomicBoolean(true);
        try (ClientResources resources = new ClientResources(1)) {
            a.start(resources, stream); // first: it writes every shard
            b.start(resources, stream);
            assertThat(a.allShards(resources, stream, "online")).isTrue();
            assertThat(b.allShards(resources, stream, "written by another hub: 127.0.0.1:" + a.port))
                    .isTrue();
            Producer producer = Producer.create(
                    resources,
                    HubsOnPulsar.client(a.port, b.port),
                    ProducerOptions.defaults(stream)
                            .withProducerId("kill-producer")
                            .withBatching(6, Duration.ofMillis(2), 8));
            Thread feeder = new Thread(() -> feed.run(producer, feeding), "kill-feeder");
            try {
                feeder.start();
                Child writer = a;
                Child other = b;
                for (int kill = 0; kill < KILLS; kill++) {
                    feed.awaitMoreAcks(100, "before kill " + kill);
                    writer.kill();
                    long killedAt = System.nanoTime();
                    Child survivor = other;
                    await("take-over by " + survivor.name + " after kill " + kill)
                            .atMost(Duration.ofSeconds(60))
                            .ignoreExceptions()
                            .until(() -> survivor.allShards(resources, stream, "online"));
                    takeoverMillis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt));
                    writer.start(resources, stream); // on an empty data dir
                    Child restarted = writer;
                    await(restarted.name + " redirects to " + survivor.name)
                            .atMost(Duration.ofSeconds(30))
                            .ignoreExceptions()
                            .until(() -> restarted.allShards(
                                    resources, stream, "written by another hub: 127.0.0.1:" + survivor.port));
                    other = restarted;
                    writer = survivor;
                }
                feeding.set(false);
                feeder.join(10_000);
                producer.flush().get(120, TimeUnit.SECONDS);
                feed.awaitAnswered(Duration.ofSeconds(30));
                verify(resources, writer, stream);
            } finally {
                feeding.set(false);
                producer.close();
            }
        } finally {
            for (Child c : List.of(a, b)) {
                if (c.process != null) {
                    c.kill();
                }
            }
        }
    }

    /** Reads every shard from the hub that writes them all and checks the records against what was put. */
    private void verify(ClientResources resources, Child writer, String stream) throws InterruptedException {
        List<KeyedFeed.Placed> stored = new ArrayList<>();
        for (ShardDescription shard : writer.describe(resources, stream).getShardsList()) {
            int count = (int) shard.getNextSequence();
            List<String> texts = HubsOnPulsar.readAll(resources, writer.port, stream, shard.getShardId(), count);
            assertThat(texts).as("records of %s", shard.getShardId()).hasSize(count);
            for (int seq = 0; seq < count; seq++) {
                stored.add(new KeyedFeed.Placed(shard.getShardId(), seq, texts.get(seq)));
            }
        }
        long duplicates = feed.verify(stored, true);
        System.out.printf(
                "PulsarHubsKillIT: %d records over %d kills, %d acknowledged as duplicates; kill to take-over (ms): %s%n",
                feed.acked().size(), KILLS, duplicates, takeoverMillis);
        assertThat(duplicates)
                .as("records the survivor recognised as resends of what a killed hub had stored")
                .isPositive();
    }
}
