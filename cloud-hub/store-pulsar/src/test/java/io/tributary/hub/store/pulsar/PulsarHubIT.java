package io.tributary.hub.store.pulsar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tributary.hub.Hub;
import io.tributary.hub.RawLink;
import io.tributary.hub.TestRecords;
import io.tributary.hub.client.AdminClient;
import io.tributary.hub.client.Producer;
import io.tributary.hub.client.ProducerOptions;
import io.tributary.hub.client.PutResult;
import io.tributary.hub.client.ReadPosition;
import io.tributary.hub.client.ShardReader;
import io.tributary.hub.client.ShardReaderOptions;
import io.tributary.hub.client.core.ClientOptions;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.hub.client.core.HubClientException;
import io.tributary.hub.config.HubConfig;
import io.tributary.hub.stream.StreamDefinition;
import io.tributary.protocol.v1.BatchAck;
import io.tributary.protocol.v1.CreateStream;
import io.tributary.protocol.v1.Frame;
import io.tributary.protocol.v1.PartitionKeyMode;
import io.tributary.protocol.v1.RegionEndpoint;
import io.tributary.protocol.v1.StreamDescription;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A whole hub with {@code store=pulsar} on the test broker: ingest by the producer client, reads by the shard reader,
 * a restart on an empty data dir that finds the stream catalog, the records and the de-duplication state in Pulsar,
 * and the stream's retention applied by the hub.
 */
class PulsarHubIT {
    @RegisterExtension
    static final PulsarBroker PULSAR = new PulsarBroker();

    @TempDir
    Path dir;

    private final ClientResources resources = new ClientResources(1);
    private Hub hub;

    @AfterEach
    void tearDown() {
        if (hub != null) {
            hub.close();
        }
        resources.close();
    }

    private static Map<String, String> flags(Path dataDir, String serviceUrl, String adminUrl) {
        return HubsOnPulsar.flags(dataDir, 0, serviceUrl, adminUrl);
    }

    private Hub startHub(Path dataDir) throws Exception {
        return HubsOnPulsar.start(PULSAR.broker(), dataDir, 0);
    }

    private ClientOptions client() {
        return HubsOnPulsar.client(hub.port());
    }

    private void createStream(String stream) {
        HubsOnPulsar.createStream(resources, hub.port(), stream, 1);
    }

    private List<String> readAll(String stream, int expected) throws InterruptedException {
        return HubsOnPulsar.readAll(resources, hub.port(), stream, "shard-000000", expected);
    }

    private static BatchAck ack(Frame reply) {
        assertThat(reply.hasBatchAck()).as("answer %s", reply).isTrue();
        return reply.getBatchAck();
    }

    @Test
    void hubOnPulsar_restartedOnAnEmptyDataDir_readsTheRecordsAndAnswersAResendAsDuplicate() throws Exception {
        String stream = "hub-it-" + System.nanoTime();
        Path first = Files.createDirectory(dir.resolve("first"));
        hub = startHub(first);
        createStream(stream);
        int count = 200;
        List<CompletableFuture<PutResult>> puts = new ArrayList<>();
        try (Producer p = Producer.create(
                resources, client(), ProducerOptions.defaults(stream).withBatching(50, Duration.ofMillis(1), 4))) {
            for (int i = 0; i < count; i++) {
                puts.add(p.put("k", ("r" + i).getBytes(StandardCharsets.UTF_8)));
            }
            for (int i = 0; i < count; i++) {
                assertThat(puts.get(i).get(30, TimeUnit.SECONDS).sequence()).isEqualTo(i);
            }
        }
        long epoch;
        BatchAck stored;
        try (RawLink link = RawLink.handshake(hub.port(), "agent-pulsar", 0, Optional.empty())) {
            epoch = link.epoch();
            stored = ack(link.call(TestRecords.batch(1, stream, "agent-pulsar", epoch, "g", 0, 5)));
        }
        assertThat(stored.getDuplicates()).isZero();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            expected.add("r" + i);
        }
        for (int i = 0; i < 5; i++) {
            expected.add("g:" + i);
        }
        assertThat(readAll(stream, expected.size())).isEqualTo(expected);

        // A fresh data dir: no grants, no segments, no stream files. The catalog is in Pulsar: the hub knows the
        // stream as it was, and its shard opens the same topic and finds the data.
        Path second = Files.createDirectory(dir.resolve("second"));
        StreamDefinition before = hub.streams().describe(stream);
        hub.close();
        hub = null;
        hub = startHub(second);
        assertThat(hub.streams().describe(stream)).isEqualTo(before);
        try (AdminClient admin = AdminClient.connect(resources, client())) {
            assertThat(admin.listStreams())
                    .extracting(StreamDescription::getStream)
                    .contains(stream);
        }
        assertThat(readAll(stream, expected.size())).isEqualTo(expected);
        try (RawLink link = RawLink.handshake(hub.port(), "agent-pulsar", epoch, Optional.empty())) {
            assertThat(link.epoch()).as("the grant presented is adopted").isEqualTo(epoch);
            BatchAck again = ack(link.call(TestRecords.batch(2, stream, "agent-pulsar", epoch, "g", 0, 5)));
            assertThat(again.getDuplicates()).isEqualTo(5);
            assertThat(again.getSequenceList()).isEqualTo(stored.getSequenceList());
        }
        assertThat(readAll(stream, expected.size())).isEqualTo(expected);
        assertThat(second.resolve("shards")).as("no local segments").doesNotExist();
        assertThat(second.resolve("streams")).as("no local stream files").doesNotExist();
    }

    /**
     * The hub's retention pass applies a stream's size limit to its Pulsar shard: the shard's oldest sequence moves up,
     * a reader from the trim horizon starts there, one from 0 is moved on to it, and the records after it are all there.
     */
    @Test
    void hubOnPulsar_appliesTheStreamsRetention_andReadersStartAtTheHorizon() throws Exception {
        String stream = "hub-retention-" + System.nanoTime();
        Map<String, String> flags = flags(
                dir, PULSAR.broker().serviceUrl(), PULSAR.broker().adminUrl().toString());
        flags.put("retention-check-interval", "200ms");
        hub = Hub.start(HubConfig.load(Optional.empty(), Map.of(), flags));
        int count = 300;
        try (AdminClient admin = AdminClient.connect(resources, client())) {
            admin.createStream(stream, 1, PartitionKeyMode.PARTITION_KEY_MODE_GROUP, 0, 1000);
            try (Producer p = Producer.create(
                    resources, client(), ProducerOptions.defaults(stream).withBatching(10, Duration.ofMillis(1), 4))) {
                List<CompletableFuture<PutResult>> puts = new ArrayList<>();
                for (int i = 0; i < count; i++) {
                    puts.add(p.put("k", ("r" + i).getBytes(StandardCharsets.UTF_8)));
                }
                for (CompletableFuture<PutResult> put : puts) {
                    put.get(30, TimeUnit.SECONDS);
                }
            }
            long[] seen = {-1};
            await("the retention passes trim the shard, then find nothing more to trim")
                    .atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> {
                        long now = admin.describeStream(stream).getShards(0).getOldestSequence();
                        boolean settled = now > 0 && now == seen[0];
                        seen[0] = now;
                        return settled;
                    });
            long oldest = seen[0];
            assertThat(oldest).isLessThan(count);
            for (ReadPosition from : List.of(ReadPosition.trimHorizon(), ReadPosition.atSequence(0))) {
                List<Long> sequences = new ArrayList<>();
                try (ShardReader reader =
                        ShardReader.open(resources, client(), ShardReaderOptions.of(stream, "shard-000000", from))) {
                    await("read to the end from " + from)
                            .atMost(Duration.ofSeconds(30))
                            .until(() -> {
                                reader.poll(Duration.ofMillis(200)).forEach(r -> sequences.add(r.sequence()));
                                return !sequences.isEmpty() && sequences.get(sequences.size() - 1) == count - 1;
                            });
                }
                assertThat(sequences.get(0)).as("first read from " + from).isGreaterThanOrEqualTo(oldest);
                for (int i = 1; i < sequences.size(); i++) {
                    assertThat(sequences.get(i)).isEqualTo(sequences.get(i - 1) + 1);
                }
            }
        }
    }

    @Test
    void hubOnPulsar_streamWithReplicas_isRefusedSayingWhy() throws Exception {
        hub = startHub(dir);
        try (AdminClient admin = AdminClient.connect(resources, client())) {
            assertThatThrownBy(() -> admin.createStream(CreateStream.newBuilder()
                            .setStream("replicated-" + System.nanoTime())
                            .setShardCount(1)
                            .setKeyMode(PartitionKeyMode.PARTITION_KEY_MODE_GROUP)
                            .addReplicas(
                                    RegionEndpoint.newBuilder().setRegion("eu").setEndpoint("127.0.0.1:1"))
                            .build()))
                    .isInstanceOf(HubClientException.class)
                    .hasMessageContaining("store (pulsar) does not keep hub-to-hub replicas");
        }
    }

    @Test
    void storePulsar_adminUrlNotAnswering_hubDoesNotStartAndSaysWhich() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        String adminUrl = "http://127.0.0.1:" + closedPort;
        assertThatThrownBy(() -> Hub.start(HubConfig.load(
                        Optional.empty(), Map.of(), flags(dir, PULSAR.broker().serviceUrl(), adminUrl))))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("store=pulsar")
                .hasMessageContaining("Pulsar admin API at " + adminUrl);
        // Nothing is left holding the data dir.
        hub = Hub.start(HubConfig.load(
                Optional.empty(), Map.of(), Map.of("data-dir", dir.toString(), "port", "0", "metrics-port", "-1")));
        assertThat(hub.config().store()).isEqualTo("local");
    }

    @Test
    void storePulsar_serviceUrlNotAnswering_hubDoesNotStartAndSaysWhich() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        Map<String, String> f = flags(
                dir,
                "pulsar://127.0.0.1:" + closedPort,
                PULSAR.broker().adminUrl().toString());
        f.put("pulsar.operation-timeout", "3s");
        assertThatThrownBy(() -> Hub.start(HubConfig.load(Optional.empty(), Map.of(), f)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("Pulsar brokers at pulsar://127.0.0.1:" + closedPort + " failed a topic lookup");
    }
}
