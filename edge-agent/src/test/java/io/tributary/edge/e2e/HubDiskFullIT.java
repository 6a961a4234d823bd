package io.tributary.edge.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import io.micrometer.core.instrument.Counter;
import io.tributary.edge.EdgeAgent;
import io.tributary.hub.store.ShardKey;
import io.tributary.hub.store.ShardStatus;
import io.tributary.hub.store.ShardStore;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hub's disk fills up under an edge agent's traffic, on a real small file system: the hub's data directory on a
 * 16 MiB tmpfs the test mounts, nearly filled by another file. The shard goes OFFLINE (the edge keeps acknowledging
 * and buffering, resending on the hub's retriable refusals); once the other file is deleted the shard comes back on
 * its own within 60 s, the edge drains, and the hub holds every acknowledged publish exactly once, in order.
 */
class HubDiskFullIT {
    private static final Random RANDOM = new Random(42);

    @TempDir
    Path dir;

    @RegisterExtension
    final SmallTmpfs small = new SmallTmpfs("16m");

    @Test
    void hubDiskFull_onlyTheShardOffline_edgeKeepsAcking_spaceBack_shardBackOnItsOwn_nothingLostOrDuplicated()
            throws Exception {
        try (RealHub hub = new RealHub(small.dir().resolve("hub"));
                EdgeAgent agent = InProcessEdge.start(dir.resolve("edge"), hub, Map.of("batch.max-records", "50"));
                Mqtt5Device device = new Mqtt5Device(agent, "hub-disk-full")) {
            hub.createStream(1);
            ShardStore store = hub.hub().store();
            ShardKey shard = store.shards().iterator().next();
            List<String> acked = new ArrayList<>();
            publish(device, acked, 10);
            await().atMost(Duration.ofSeconds(30)).until(() -> hub.storedRecords() == acked.size());

            Path filler = small.dir().resolve("filler");
            fill(filler, Files.getFileStore(small.dir()).getUsableSpace() - 512 * 1024);
            publish(device, acked, 400); // 2.4 MB: more than the hub has room for; the edge acknowledges them all
            // the shard goes offline, reopens (a reopen needs no space), fails again... with growing backoff
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> hubCounter(hub, "tributary.store.shard.recoveries")
                                    + hubCounter(hub, "tributary.store.shard.recovery.failures")
                            > 0);
            assertThat(edgeCounter(agent, "tributary.edge.forward.nacks", "reason", "shard_unavailable"))
                    .as("the edge got retriable refusals")
                    .isPositive();
            assertThat(hub.storedRecords()).isLessThan(acked.size());

            long spaceBack = System.nanoTime();
            Files.delete(filler);
            await().atMost(Duration.ofSeconds(60)).until(() -> hub.storedRecords() >= acked.size());
            long drainedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - spaceBack);
            assertThat(store.info(shard).status()).isEqualTo(ShardStatus.ONLINE);
            await().atMost(Duration.ofSeconds(30)).until(() -> InProcessEdge.buffered(agent) == 0);

            List<String> atHub = hub.readAll().stream()
                    .map(r -> r.record().getPayload().toStringUtf8())
                    .toList();
            assertThat(atHub).as("every acknowledged publish, once, in order").containsExactlyElementsOf(acked);
            System.out.printf(
                    "hub disk full on 16 MiB tmpfs: %d publishes acknowledged at the edge, all at the hub %d ms after"
                            + " space returned%n",
                    acked.size(), drainedMs);
        }
    }

    private static double hubCounter(RealHub hub, String name) {
        Counter c = hub.hub().registry().find(name).counter();
        return c == null ? 0 : c.count();
    }

    private static double edgeCounter(EdgeAgent agent, String name, String tag, String value) {
        return agent.registry().find(name).tag(tag, value).counters().stream()
                .mapToDouble(Counter::count)
                .sum();
    }

    private static void publish(Mqtt5Device device, List<String> acked, int n) {
        for (int i = 0; i < n; i++) {
            // random, so that the edge's batch compression does not shrink it to nothing
            byte[] pad = new byte[3000];
            RANDOM.nextBytes(pad);
            String payload =
                    "{\"n\":" + acked.size() + ",\"pad\":\"" + HexFormat.of().formatHex(pad) + "\"}";
            assertThat(device.publish("tributary/g0/dev-0/temp", payload)).isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
            acked.add(payload);
        }
    }

    /** Writes {@code bytes} zeros (really taking the space: tmpfs has no holes for written zeros). */
    private static void fill(Path file, long bytes) throws Exception {
        ByteBuffer zeros = ByteBuffer.allocate(1 << 20);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (long written = 0; written < bytes; ) {
                zeros.clear().limit((int) Math.min(zeros.capacity(), bytes - written));
                written += ch.write(zeros);
            }
        }
    }
}
