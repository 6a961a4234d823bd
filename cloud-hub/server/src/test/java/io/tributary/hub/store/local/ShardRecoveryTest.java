package io.tributary.hub.store.local;

import static io.tributary.hub.store.local.TestBatches.batch;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.hub.store.ReadResult;
import io.tributary.hub.store.ShardKey;
import io.tributary.hub.store.ShardStatus;
import io.tributary.hub.store.ShardUnavailableException;
import io.tributary.hub.store.StoredBatch;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShardRecoveryTest {
    private static final ShardKey SHARD = new ShardKey("telemetry", "7");

    @TempDir
    Path dir;

    private LocalShardStore store;

    private void openStore() {
        store = new LocalShardStore(
                LocalStoreConfig.builder(dir)
                        .segmentMaxBytes(4096)
                        .indexIntervalBytes(512)
                        .build(),
                Clock.systemUTC(),
                new SimpleMeterRegistry());
        store.open(SHARD);
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    private void appendAndClose(int batches) {
        openStore();
        for (int id = 0; id < batches; id++) {
            store.append(SHARD, batch(id, 2)).join();
        }
        store.close();
    }

    private Path shardDir() {
        return dir.resolve("telemetry").resolve("7");
    }

    private List<Path> files(String suffix) throws Exception {
        try (Stream<Path> list = Files.list(shardDir())) {
            return list.filter(p -> p.toString().endsWith(suffix)).sorted().toList();
        }
    }

    private List<Long> storedIds() {
        List<Long> ids = new ArrayList<>();
        long next = store.info(SHARD).oldestSequence();
        for (int i = 0; i < 1000; i++) {
            ReadResult r = store.read(SHARD, next, 50, 64 * 1024);
            if (r.batches().isEmpty()) {
                break;
            }
            for (StoredBatch b : r.batches()) {
                assertThat(b.payloadBytes()).isEqualTo(TestBatches.payload(TestBatches.idOf(b)));
                ids.add(TestBatches.idOf(b));
            }
            next = r.nextSequence();
        }
        return ids;
    }

    @Test
    void open_withTornTail_truncatesPartialBatchAndKeepsEarlierOnes() throws Exception {
        appendAndClose(60);
        Path active = files(".log").get(files(".log").size() - 1);
        long size = Files.size(active);
        try (RandomAccessFile f = new RandomAccessFile(active.toFile(), "rw")) {
            f.setLength(size - 30);
        }

        openStore();

        assertThat(storedIds()).containsExactlyElementsOf(LocalShardStoreTest.range(0, 59));
        assertThat(store.info(SHARD).nextSequence()).isEqualTo(59 * 2);
        assertThat(store.append(SHARD, batch(59, 2)).join().baseSequence()).isEqualTo(59 * 2);
    }

    @Test
    void open_withCorruptByteInLastBatch_truncatesItByCrc() throws Exception {
        appendAndClose(60);
        Path active = files(".log").get(files(".log").size() - 1);
        long size = Files.size(active);
        try (RandomAccessFile f = new RandomAccessFile(active.toFile(), "rw")) {
            f.seek(size - 3);
            int b = f.read();
            f.seek(size - 3);
            f.write(b ^ 0x5a);
        }

        openStore();

        assertThat(storedIds()).containsExactlyElementsOf(LocalShardStoreTest.range(0, 59));
        assertThat(Files.size(active)).isLessThan(size);
    }

    @Test
    void open_withCorruptBatchFollowedByWholeOnes_goesOfflineAndCutsNothing() throws Exception {
        appendAndClose(60);
        Path active = files(".log").get(files(".log").size() - 1);
        long size = Files.size(active);
        try (RandomAccessFile f = new RandomAccessFile(active.toFile(), "rw")) {
            f.seek(size / 2); // inside some batch of the active segment, with acknowledged batches after it
            int b = f.read();
            f.seek(size / 2);
            f.write(b ^ 0x5a);
        }

        assertThatThrownBy(this::openStore).isInstanceOf(ShardUnavailableException.class);

        // Before: the hub truncated from the damaged batch to the end, dropping acknowledged batches with a WARN.
        assertThat(store.info(SHARD).status()).isEqualTo(ShardStatus.OFFLINE);
        assertThat(store.info(SHARD).cause())
                .contains("a batch written after a later fsync follows")
                .contains("truncate -s");
        assertThat(Files.size(active)).isEqualTo(size);
    }

    @Test
    void open_withDamageInsideTheLastGroupCommit_truncatesItEvenWithWholeBatchesAfter() throws Exception {
        appendAndClose(60);
        Path active = files(".log").get(files(".log").size() - 1);
        long size = Files.size(active);
        List<Long> starts = batchStarts(active);
        int damaged = starts.size() / 2;
        try (RandomAccessFile f = new RandomAccessFile(active.toFile(), "rw")) {
            // As if the batches from `damaged` on were one group commit whose fsync never returned, and a power cut
            // had written the page of its middle batch but not the one before: no batch after the damage starts a
            // commit.
            for (long at : starts.subList(damaged, starts.size())) {
                f.seek(at + BatchHeader.ATTRIBUTES_OFFSET);
                f.write(0);
            }
            f.seek(starts.get(damaged) + BatchHeader.PREFIX_LENGTH + 4);
            int b = f.read();
            f.seek(starts.get(damaged) + BatchHeader.PREFIX_LENGTH + 4);
            f.write(b ^ 0x5a);
        }

        openStore();

        assertThat(store.info(SHARD).status()).isEqualTo(ShardStatus.ONLINE);
        assertThat(Files.size(active)).isEqualTo(starts.get(damaged)).isLessThan(size);
        List<Long> ids = storedIds();
        assertThat(ids).isNotEmpty().isEqualTo(LocalShardStoreTest.range(0, ids.size()));
    }

    /** Where each batch of a segment file starts. */
    static List<Long> batchStarts(Path log) throws Exception {
        java.nio.ByteBuffer bytes = java.nio.ByteBuffer.wrap(Files.readAllBytes(log));
        List<Long> starts = new ArrayList<>();
        for (int at = 0; at + BatchHeader.PREFIX_LENGTH <= bytes.limit(); ) {
            starts.add((long) at);
            at += BatchHeader.entryLengthAt(bytes, at, Integer.MAX_VALUE);
        }
        return starts;
    }

    @Test
    void open_withZeroFilledTail_truncatesIt() throws Exception {
        appendAndClose(60);
        Path active = files(".log").get(files(".log").size() - 1);
        long size = Files.size(active);
        try (RandomAccessFile f = new RandomAccessFile(active.toFile(), "rw")) {
            f.setLength(size + 5000); // a crash after the file grew but before its pages were written
        }

        openStore();

        assertThat(store.info(SHARD).status()).isEqualTo(ShardStatus.ONLINE);
        assertThat(storedIds()).containsExactlyElementsOf(LocalShardStoreTest.range(0, 60));
        assertThat(Files.size(active)).isEqualTo(size);
    }

    @Test
    void open_withMissingOrGarbledIndexes_rebuildsThem() throws Exception {
        appendAndClose(120);
        List<Path> indexes = files(".index");
        assertThat(indexes).hasSizeGreaterThan(1);
        byte[] original = Files.readAllBytes(indexes.get(0));
        Files.delete(indexes.get(0));
        Files.write(indexes.get(1), new byte[] {1, 2, 3});
        Files.delete(files(".timeindex").get(0));

        openStore();

        assertThat(Files.readAllBytes(indexes.get(0))).isEqualTo(original);
        assertThat(Files.size(indexes.get(1)) % SparseIndex.ENTRY_BYTES).isZero();
        assertThat(files(".timeindex")).hasSameSizeAs(indexes);
        assertThat(storedIds()).containsExactlyElementsOf(LocalShardStoreTest.range(0, 120));
    }
}
