package io.tributary.hub.store.local;

import static io.tributary.hub.store.local.ShardContents.files;
import static io.tributary.hub.store.local.ShardContents.readAll;
import static io.tributary.hub.store.local.TestBatches.batch;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.hub.store.AppendResult;
import io.tributary.hub.store.ProducerKey;
import io.tributary.hub.store.ProducerSequenceException;
import io.tributary.hub.store.ReplicaSequenceException;
import io.tributary.hub.store.ShardInfo;
import io.tributary.hub.store.ShardKey;
import io.tributary.hub.store.StoredBatch;
import io.tributary.testsupport.MutableClock;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code appendReplica}: a home store's batches copied into a replica store. */
class LocalShardStoreReplicaTest {
    private static final ShardKey SHARD = new ShardKey("telemetry", "shard-0");
    private static final ProducerKey AGENT = new ProducerKey("agent-9", "hi", 2);

    @TempDir
    Path dir;

    private final MutableClock homeClock = new MutableClock(1_000_000);
    /** Far ahead of the home's: the replica must store the home's append times, not its own. */
    private final MutableClock replicaClock = new MutableClock(90_000_000);

    private final SimpleMeterRegistry replicaRegistry = new SimpleMeterRegistry();
    private LocalShardStore home;
    private LocalShardStore replica;

    private LocalShardStore open(String name, MutableClock clock, SimpleMeterRegistry registry) {
        LocalShardStore store = new LocalShardStore(
                LocalStoreConfig.builder(dir.resolve(name))
                        .segmentMaxBytes(2048)
                        .indexIntervalBytes(256)
                        .producerWindow(8)
                        .build(),
                clock,
                registry);
        store.open(SHARD);
        return store;
    }

    private void openBoth() {
        home = open("home", homeClock, new SimpleMeterRegistry());
        replica = open("replica", replicaClock, replicaRegistry);
    }

    private Path shardDir(String name) {
        return dir.resolve(name).resolve(SHARD.stream()).resolve(SHARD.shardId());
    }

    @AfterEach
    void close() {
        for (LocalShardStore s : new LocalShardStore[] {home, replica}) {
            if (s != null) {
                s.close();
            }
        }
    }

    /**
     * Appends {@code count} batches to the home, a moment apart: every fourth one a run of {@link #AGENT}, the others
     * from lanes of their own; returns them as stored.
     */
    private List<StoredBatch> appendToHome(int count) {
        long agentSeq = 0;
        for (int id = 0; id < count; id++) {
            homeClock.advance(Duration.ofMillis(7));
            int records = 1 + id % 3;
            if (id % 4 == 0) {
                home.append(SHARD, batch(AGENT, id, agentSeq, records)).join();
                agentSeq += records;
            } else {
                home.append(SHARD, batch(id, records)).join();
            }
        }
        return readAll(home, SHARD);
    }

    private void replicate(List<StoredBatch> batches) {
        for (StoredBatch b : batches) {
            AppendResult r = replica.appendReplica(SHARD, b).join();
            assertThat(r).isEqualTo(new AppendResult(b.baseSequence(), b.recordCount(), AppendResult.Status.APPENDED));
        }
    }

    /** A copy of {@code b} with another base sequence and record count. */
    private static StoredBatch moved(StoredBatch b, long base, int records) {
        return new StoredBatch(
                base,
                records,
                b.codec(),
                b.appendTimeMs(),
                b.firstEventTimeMs(),
                b.lastEventTimeMs(),
                b.producer(),
                b.producerFirstSeq(),
                b.producerFirstSeq() + records - 1,
                b.payload());
    }

    @Test
    void appendReplica_ofEveryHomeBatchInOrder_makesByteIdenticalSegments() {
        openBoth();
        List<StoredBatch> homeBatches = appendToHome(120);

        replicate(homeBatches);

        assertThat(readAll(replica, SHARD)).isEqualTo(homeBatches); // every field, payload bytes included
        ShardInfo homeInfo = home.info(SHARD);
        ShardInfo replicaInfo = replica.info(SHARD);
        assertThat(replicaInfo.segmentCount())
                .isEqualTo(homeInfo.segmentCount())
                .isGreaterThan(3);
        assertThat(replicaInfo.nextSequence()).isEqualTo(homeInfo.nextSequence());
        assertThat(replicaInfo.retainedBytes()).isEqualTo(homeInfo.retainedBytes());
        assertThat(replicaRegistry
                        .get("tributary.store.replica.append.batches")
                        .counter()
                        .count())
                .isEqualTo(120);
        home.close();
        replica.close();
        Map<String, ByteBuffer> homeFiles = files(shardDir("home"));
        assertThat(homeFiles.keySet()).anyMatch(n -> n.endsWith(".timeindex"));
        assertThat(files(shardDir("replica"))).isEqualTo(homeFiles); // logs and sealed indexes, byte for byte
    }

    @Test
    void appendReplica_resendOfStoredBatch_isDuplicateAndWritesNothing() {
        openBoth();
        List<StoredBatch> homeBatches = appendToHome(40);
        replicate(homeBatches.subList(0, 30));
        Map<String, ByteBuffer> before = files(shardDir("replica"));
        long hwm = replica.info(SHARD).nextSequence();

        for (int i : new int[] {0, 3, 17, 29}) {
            StoredBatch b = homeBatches.get(i);
            assertThat(replica.appendReplica(SHARD, b).join())
                    .isEqualTo(new AppendResult(b.baseSequence(), b.recordCount(), AppendResult.Status.DUPLICATE));
        }

        assertThat(replica.info(SHARD).nextSequence()).isEqualTo(hwm);
        assertThat(files(shardDir("replica"))).isEqualTo(before);
        // A resend queued right behind its original (likely in the same group commit) is a duplicate too.
        List<CompletableFuture<AppendResult>> twice = new ArrayList<>();
        for (StoredBatch b : homeBatches.subList(30, 40)) {
            twice.add(replica.appendReplica(SHARD, b));
            twice.add(replica.appendReplica(SHARD, b));
        }
        for (int i = 0; i < twice.size(); i++) {
            assertThat(twice.get(i).join().status())
                    .isEqualTo(i % 2 == 0 ? AppendResult.Status.APPENDED : AppendResult.Status.DUPLICATE);
        }
        assertThat(readAll(replica, SHARD)).isEqualTo(homeBatches);
    }

    @Test
    void appendReplica_gapOrReorder_isRefusedAndWritesNothing() {
        openBoth();
        List<StoredBatch> homeBatches = appendToHome(20);
        replicate(homeBatches.subList(0, 10));
        long hwm = replica.info(SHARD).nextSequence();
        Map<String, ByteBuffer> before = files(shardDir("replica"));
        StoredBatch third = homeBatches.get(2); // 3 records
        StoredBatch last = homeBatches.get(9);
        List<StoredBatch> refused = List.of(
                homeBatches.get(11), // gap: base above the high-water mark
                moved(third, third.baseSequence() + 1, 1), // reorder: inside a stored batch
                moved(last, last.baseSequence(), last.recordCount() + 1), // overlaps the high-water mark
                moved(third, third.baseSequence(), 2)); // at a boundary, but not the batch stored there

        for (StoredBatch b : refused) {
            assertThatThrownBy(() -> replica.appendReplica(SHARD, b).join())
                    .hasCauseInstanceOf(ReplicaSequenceException.class)
                    .satisfies(e -> assertThat(((ReplicaSequenceException) e.getCause()).expected())
                            .isEqualTo(hwm));
        }

        assertThat(replica.info(SHARD).nextSequence()).isEqualTo(hwm);
        assertThat(files(shardDir("replica"))).isEqualTo(before);
        assertThat(readAll(replica, SHARD)).isEqualTo(homeBatches.subList(0, 10));
    }

    @Test
    void appendReplica_olderAppendTime_isRaisedToKeepAppendTimesNonDecreasing() {
        openBoth();
        List<StoredBatch> homeBatches = appendToHome(2);
        StoredBatch first = homeBatches.get(0);
        StoredBatch second = homeBatches.get(1);
        StoredBatch late = new StoredBatch(
                first.baseSequence(),
                first.recordCount(),
                first.codec(),
                first.appendTimeMs() + 5000,
                first.firstEventTimeMs(),
                first.lastEventTimeMs(),
                first.producer(),
                first.producerFirstSeq(),
                first.producerLastSeq(),
                first.payload());

        replica.appendReplica(SHARD, late).join();
        replica.appendReplica(SHARD, second).join();

        List<StoredBatch> stored = readAll(replica, SHARD);
        assertThat(stored)
                .extracting(StoredBatch::appendTimeMs)
                .containsExactly(late.appendTimeMs(), late.appendTimeMs());
        assertThat(replica.sequenceForTimestamp(SHARD, second.appendTimeMs())).isZero();
    }

    @Test
    void appendReplica_producerStateAfterRestart_answersTheHomesRetryAsDuplicate() {
        openBoth();
        List<AppendResult> homeResults = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            homeResults.add(home.append(SHARD, batch(AGENT, i, i * 2L, 2)).join());
        }
        replicate(readAll(home, SHARD));
        replica.close();

        replica = open("replica", replicaClock, replicaRegistry); // a promotion after a restart

        AppendResult retried = replica.append(SHARD, batch(AGENT, 29, 58, 2)).join();
        assertThat(retried.duplicate()).isTrue();
        assertThat(retried.baseSequence()).isEqualTo(homeResults.get(29).baseSequence());
        assertThatThrownBy(() -> replica.append(SHARD, batch(AGENT, 99, 59, 2)).join())
                .hasCauseInstanceOf(ProducerSequenceException.class);
        AppendResult next = replica.append(SHARD, batch(AGENT, 30, 60, 2)).join();
        assertThat(next.status()).isEqualTo(AppendResult.Status.APPENDED);
        assertThat(next.baseSequence()).isEqualTo(60);
        assertThat(readAll(replica, SHARD).get(30).appendTimeMs()).isEqualTo(replicaClock.millis());
    }
}
