package io.tributary.hub.store.pulsar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.hub.AdminCliRun;
import io.tributary.hub.Hub;
import io.tributary.hub.client.AdminClient;
import io.tributary.hub.client.Producer;
import io.tributary.hub.client.ProducerOptions;
import io.tributary.hub.client.PutResult;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.hub.store.ShardKey;
import io.tributary.hub.store.ShardStatus;
import io.tributary.protocol.v1.ShardDescription;
import io.tributary.protocol.v1.StreamDescription;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two hubs over one Pulsar, in this JVM: the hub that does not write the shard sends a producer and a reader on to the
 * one that does, and takes the shard over when that one closes.
 */
class PulsarTwoHubsIT {
    private static final String SHARD = "shard-000000";

    @RegisterExtension
    static final PulsarBroker PULSAR = new PulsarBroker();

    @TempDir
    Path dir;

    private final ClientResources resources = new ClientResources(1);
    private Hub writer;
    private Hub other;

    @AfterEach
    void tearDown() {
        for (Hub h : new Hub[] {other, writer}) {
            if (h != null) {
                h.close();
            }
        }
        resources.close();
    }

    private static String status(ClientResources resources, Hub hub, String stream) {
        return describe(resources, hub, stream).getShards(0).getStatus();
    }

    private static StreamDescription describe(ClientResources resources, Hub hub, String stream) {
        try (AdminClient admin = AdminClient.connect(resources, HubsOnPulsar.client(hub.port()))) {
            return admin.describeStream(stream);
        }
    }

    /**
     * {@code streams describe} on both hubs names the Pulsar store and the same writer of the shard, the one at
     * {@code writerPort}; only the writer says it is itself, in the answer and in the CLI's text.
     */
    private void assertDescribeNamesTheWriter(Hub writerHub, Hub otherHub, String stream, int writerPort) {
        StreamDescription atWriter = describe(resources, writerHub, stream);
        StreamDescription atOther = describe(resources, otherHub, stream);
        assertThat(List.of(atWriter.getStore(), atOther.getStore())).containsOnly("pulsar");
        ShardDescription w = atWriter.getShards(0);
        ShardDescription o = atOther.getShards(0);
        assertThat(w.getWriter())
                .startsWith("127.0.0.1:" + writerPort + " (run ")
                .isEqualTo(o.getWriter());
        assertThat(w.getWrittenHere()).as("the writer says it is itself").isTrue();
        assertThat(o.getWrittenHere()).isFalse();

        AdminCliRun text = AdminCliRun.of("--hub", "127.0.0.1:" + writerHub.port(), "streams", "describe", stream);
        assertThat(text.out())
                .contains(
                        "  store pulsar  described by hub " + writerHub.config().hubId());
        assertThat(text.out()).anySatisfy(l -> assertThat(l).contains("writer " + w.getWriter() + " (this hub)"));
    }

    private static List<String> putAll(Producer p, int from, int to) throws Exception {
        List<CompletableFuture<PutResult>> puts = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        for (int i = from; i < to; i++) {
            texts.add("r" + i);
            puts.add(p.put("k", ("r" + i).getBytes(StandardCharsets.UTF_8)));
        }
        for (int i = 0; i < puts.size(); i++) {
            assertThat(puts.get(i).get(60, TimeUnit.SECONDS).sequence())
                    .as("sequence of r%d", from + i)
                    .isEqualTo(from + i);
        }
        return texts;
    }

    @Test
    void producerAndReaderOnTheHubThatDoesNotWrite_areSentToTheWriter_andTheOtherTakesOverWhenTheWriterCloses()
            throws Exception {
        String stream = "two-hubs-" + System.nanoTime();
        int writerPort = PulsarStandalone.freePort();
        int otherPort = PulsarStandalone.freePort();
        writer = HubsOnPulsar.start(PULSAR.broker(), Files.createDirectory(dir.resolve("w")), writerPort);
        other = HubsOnPulsar.start(PULSAR.broker(), Files.createDirectory(dir.resolve("o")), otherPort);
        // Created on one hub; the other learns of it from the shared catalog at once and opens the shard too, so
        // either may win its topic: find out which one writes it.
        HubsOnPulsar.createStream(resources, writerPort, stream, 1);
        HubsOnPulsar.awaitStream(resources, otherPort, stream);
        ShardKey key = new ShardKey(stream, SHARD);
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
            ShardStatus w = writer.store().info(key).status();
            ShardStatus o = other.store().info(key).status();
            return (w == ShardStatus.ONLINE && o == ShardStatus.WRITTEN_ELSEWHERE)
                    || (o == ShardStatus.ONLINE && w == ShardStatus.WRITTEN_ELSEWHERE);
        });
        if (other.store().info(key).status() == ShardStatus.ONLINE) {
            Hub swap = writer;
            writer = other;
            other = swap;
            int port = writerPort;
            writerPort = otherPort;
            otherPort = port;
        }
        assertThat(writer.store().info(key).status()).isEqualTo(ShardStatus.ONLINE);
        assertThat(other.store().info(key).status()).isEqualTo(ShardStatus.WRITTEN_ELSEWHERE);
        assertThat(status(resources, other, stream)).startsWith("written by another hub: 127.0.0.1:" + writerPort);
        assertThat(status(resources, writer, stream)).isEqualTo("online");
        assertDescribeNamesTheWriter(writer, other, stream, writerPort);

        List<String> expected = new ArrayList<>();
        // The non-writer first in the list: the producer starts there and is sent on.
        try (Producer p = Producer.create(
                resources,
                HubsOnPulsar.client(otherPort, writerPort),
                ProducerOptions.defaults(stream).withBatching(20, Duration.ofMillis(1), 4))) {
            expected.addAll(putAll(p, 0, 200));
            assertThat(other.registry()
                            .get("tributary.hub.writer.redirects")
                            .counter()
                            .count())
                    .as("batches the non-writer sent on")
                    .isPositive();
            assertThat(HubsOnPulsar.readAll(resources, writerPort, stream, SHARD, expected.size()))
                    .isEqualTo(expected);
            // A reader that starts at the non-writer is sent on to the writer, which serves the shard's reads.
            assertThat(HubsOnPulsar.readAll(
                            resources, HubsOnPulsar.client(otherPort, writerPort), stream, SHARD, expected.size()))
                    .isEqualTo(expected);
            // ... also from a position the non-writer's own (empty) view of the shard does not reach.
            assertThat(HubsOnPulsar.read(resources, HubsOnPulsar.client(otherPort, writerPort), stream, SHARD, 150, 50))
                    .isEqualTo(expected.subList(150, 200));

            // The writer goes: the other hub takes the shard (its next try, within about a second) and the
            // producer, its connection to the writer lost, ends up there.
            // (Counted from here: when both hubs opened the new shard at once, the first open may count too.)
            double takeoversBefore = other.registry()
                    .get("tributary.store.pulsar.takeovers")
                    .counter()
                    .count();
            writer.close();
            writer = null;
            await("take-over")
                    .atMost(Duration.ofSeconds(30))
                    .until(() -> other.store().info(key).status() == ShardStatus.ONLINE);
            assertThat(other.registry()
                            .get("tributary.store.pulsar.takeovers")
                            .counter()
                            .count())
                    // at least one; twice was seen once in a full build (two recoveries after one close, not explained
                    // yet: see the stop note); every record is still read back once below
                    .isGreaterThan(takeoversBefore);
            expected.addAll(putAll(p, 200, 400));
        }
        assertThat(HubsOnPulsar.readAll(resources, otherPort, stream, SHARD, expected.size()))
                .as("every record once, in order, read from the hub that took over")
                .isEqualTo(expected);
        assertThat(status(resources, other, stream)).isEqualTo("online");
        ShardDescription taken = describe(resources, other, stream).getShards(0);
        assertThat(taken.getWriter()).startsWith("127.0.0.1:" + otherPort + " (run ");
        assertThat(taken.getWrittenHere()).isTrue();
    }
}
