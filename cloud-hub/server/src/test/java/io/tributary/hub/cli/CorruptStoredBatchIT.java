package io.tributary.hub.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tributary.hub.client.ConsumerRecord;
import io.tributary.hub.client.ReadPosition;
import io.tributary.hub.client.ShardReader;
import io.tributary.hub.client.ShardReaderOptions;
import io.tributary.hub.client.core.HubClientException;
import io.tributary.hub.subscribe.ConsumerFixture;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bit rot in a stored batch's payload, on a running hub. The store checks batch CRCs only when it opens a shard (and
 * then only in the active segment), not on reads, so the damaged bytes are served as they are and the damage shows
 * where the reader decodes. A reader (and {@code consume}) must then say which shard and sequences it cannot read —
 * or, asked to, skip them and count what it skipped — never stop silently.
 */
class CorruptStoredBatchIT {
    private static final int PER_BATCH = 10;

    @TempDir
    Path dir;

    private ConsumerFixture hub;
    private String shard;
    /** The damaged batch: its first sequence and its record count. */
    private long damagedBase;

    private int damagedCount;

    @BeforeEach
    void threeBatchesTheMiddleOneDamaged() throws Exception {
        hub = new ConsumerFixture(dir, Duration.ofSeconds(2));
        hub.createStream("s", 1);
        for (int i = 0; i < 3; i++) {
            hub.put("s", List.of("k"), PER_BATCH);
        }
        shard = hub.hub.streams().describe("s").shards().get(0).id();
        Path log = dir.resolve("shards").resolve("s").resolve(shard).resolve(String.format("%020d.log", 0));
        try (FileChannel ch = FileChannel.open(log, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            // Entries as BatchHeader lays them out: header length at 6, payload length at 8, base at 16, count at 24.
            List<long[]> entries = new ArrayList<>(); // position, header length, payload length, base, count
            ByteBuffer h = ByteBuffer.allocate(28);
            for (long pos = 0; pos < ch.size(); ) {
                h.clear();
                ch.read(h, pos);
                int headerLength = Short.toUnsignedInt(h.getShort(6));
                int payloadLength = h.getInt(8);
                entries.add(new long[] {pos, headerLength, payloadLength, h.getLong(16), h.getInt(24)});
                pos += headerLength + payloadLength;
            }
            assertThat(entries).as("stored batches").hasSizeGreaterThanOrEqualTo(3);
            long[] middle = entries.get(entries.size() / 2);
            byte[] rot = new byte[(int) middle[2]];
            Arrays.fill(rot, (byte) 0xFF);
            ch.write(ByteBuffer.wrap(rot), middle[0] + middle[1]);
            damagedBase = middle[3];
            damagedCount = (int) middle[4];
        }
    }

    @AfterEach
    void tearDown() {
        hub.close();
    }

    @Test
    void reader_returnsWhatPrecedesTheDamage_thenFailsNamingShardAndSequences() throws Exception {
        try (ShardReader r = ShardReader.open(
                hub.resources, hub.client(), ShardReaderOptions.of("s", shard, ReadPosition.trimHorizon()))) {
            List<ConsumerRecord> got = new ArrayList<>();
            HubClientException[] failure = new HubClientException[1];
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                try {
                    got.addAll(r.poll(Duration.ofMillis(100)));
                } catch (HubClientException e) {
                    failure[0] = e;
                }
                return failure[0] != null;
            });
            assertThat(failure[0])
                    .hasMessageContaining("shard " + shard)
                    .hasMessageContaining("sequence " + damagedBase + ".." + (damagedBase + damagedCount - 1))
                    .hasMessageContaining("does not decode");
            assertThat(got).extracting(ConsumerRecord::sequence).allMatch(seq -> seq < damagedBase);
            assertThat(got).hasSize((int) damagedBase);
            assertThat(r.position()).isEqualTo(damagedBase);
            assertThatThrownBy(() -> r.poll(Duration.ofMillis(10)))
                    .as("it stays failed")
                    .isInstanceOf(HubClientException.class);
        }
    }

    @Test
    void reader_withSkipCorrupt_skipsTheDamagedBatchAndCountsIt() throws Exception {
        int total = 3 * PER_BATCH;
        try (ShardReader r = ShardReader.open(
                hub.resources,
                hub.client(),
                ShardReaderOptions.of("s", shard, ReadPosition.trimHorizon()).withSkipCorrupt(true))) {
            List<ConsumerRecord> got = new ArrayList<>();
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                got.addAll(r.poll(Duration.ofMillis(100)));
                return got.size() >= total - damagedCount;
            });
            assertThat(got)
                    .extracting(ConsumerRecord::sequence)
                    .doesNotContain(damagedBase)
                    .hasSize(total - damagedCount)
                    .contains((long) total - 1);
            assertThat(r.skippedCorruptBatches()).isEqualTo(1);
            assertThat(r.skippedCorruptRecords()).isEqualTo(damagedCount);
        }
    }

    @Test
    void consume_endsWithAnErrorNamingTheDamage_orSkipsItWithSkipCorrupt() {
        String hubAddress = "127.0.0.1:" + hub.hub.port();
        ConsumeRun failed = ConsumeRun.of("--hub", hubAddress, "--stream", "s", "--idle-exit", "3");
        assertThat(failed.code()).isEqualTo(1);
        assertThat(failed.last())
                .startsWith("{\"records\":" + damagedBase + ",")
                .contains("\"error\":")
                .contains("shard " + shard)
                .contains("sequence " + damagedBase + "..");

        ConsumeRun skipped =
                ConsumeRun.of("--hub", hubAddress, "--stream", "s", "--idle-exit", "2", "--skip-corrupt", "--stats");
        assertThat(skipped.code()).isZero();
        assertThat(skipped.last())
                .startsWith("{\"records\":" + (3 * PER_BATCH - damagedCount) + ",")
                .contains("\"corrupt_batches_skipped\":1,\"corrupt_records_skipped\":" + damagedCount)
                .doesNotContain("error");
        assertThat(skipped.lines())
                .as("--stats lines")
                .anySatisfy(l -> assertThat(l).startsWith("{\"records_per_s\":").contains("corrupt_batches_skipped"));
    }
}
