package io.tributary.hub.store.local;

import static io.tributary.hub.store.local.TestBatches.batch;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.hub.store.AppendResult;
import io.tributary.hub.store.ShardKey;
import io.tributary.hub.store.ShardStatus;
import io.tributary.hub.store.ShardUnavailableException;
import io.tributary.hub.store.StoredBatch;
import io.tributary.testsupport.DiskFaults;
import io.tributary.testsupport.DiskFaults.Point;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * ENOSPC and EIO injected at every point where a shard writes ({@link DiskFaults}): only that shard goes OFFLINE with
 * the cause, its producers get a retriable refusal, the other shard goes on; once the fault clears the shard reopens
 * on its own ({@link ShardHealer}) within the 60 s bound with every acknowledged batch, and takes appends again.
 */
class ShardStorageFaultTest {
    private static final ShardKey SICK = new ShardKey("s", "sick");
    private static final ShardKey HEALTHY = new ShardKey("s", "healthy");
    private static final Duration RECOVERY_BOUND = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private final DiskFaults faults = new DiskFaults();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private LocalShardStore store;

    /** Where the fault strikes in the sick shard's directory. */
    enum WritePoint {
        SEGMENT_APPEND(Point.WRITE, ".log"),
        SEGMENT_TORN_APPEND(Point.TORN_WRITE, ".log"),
        SEGMENT_FSYNC(Point.FORCE, ".log"),
        SEGMENT_ROLL(Point.CREATE, ".log"),
        OFFSET_INDEX(Point.WRITE, ".index"),
        TIME_INDEX(Point.WRITE, ".timeindex"),
        DIRECTORY_FSYNC(Point.DIRECTORY_FORCE, "sick");

        final Point point;
        final String suffix;

        WritePoint(Point point, String suffix) {
            this.point = point;
            this.suffix = suffix;
        }

        Predicate<Path> paths() {
            // indexes are written to a .tmp file first, then renamed
            return p -> p.toString().contains("sick")
                    && (p.toString().endsWith(suffix) || p.toString().endsWith(suffix + ".tmp"));
        }
    }

    static Stream<Arguments> faultsAtEveryWritePoint() {
        return Stream.of(WritePoint.values())
                .flatMap(p -> Stream.of(Arguments.of(p, DiskFaults.noSpace()), Arguments.of(p, DiskFaults.ioError())));
    }

    @AfterEach
    void close() {
        faults.clear();
        if (store != null) {
            store.close();
        }
    }

    private LocalShardStore open() {
        store = new LocalShardStore(
                LocalStoreConfig.builder(dir).segmentMaxBytes(1024).build(), // rolls (and seals indexes) often
                Clock.systemUTC(),
                registry,
                faults::open);
        store.open(SICK);
        store.open(HEALTHY);
        return store;
    }

    @ParameterizedTest(name = "{1} at {0}")
    @MethodSource("faultsAtEveryWritePoint")
    void fault_onlyThatShardOffline_thenBackOnItsOwn_everyAcknowledgedBatchKept(WritePoint at, IOException error)
            throws Exception {
        open();
        List<Long> acked = new ArrayList<>();
        long id = 0;
        for (; id < 10; id++) {
            store.append(SICK, batch(id, 1)).get(10, TimeUnit.SECONDS);
            acked.add(id);
        }

        faults.failAt(at.point, at.paths(), error);
        Throwable refused = null;
        for (; id < 200 && refused == null; id++) {
            try {
                store.append(SICK, batch(id, 1)).get(10, TimeUnit.SECONDS);
                acked.add(id);
            } catch (ExecutionException e) {
                refused = e.getCause();
            }
        }
        assertThat(refused).as("an append fails once the fault strikes").isInstanceOf(ShardUnavailableException.class);
        assertThat(store.info(SICK).status()).isEqualTo(ShardStatus.OFFLINE);
        assertThat(store.info(SICK).cause()).contains(error.getMessage());
        assertThat(store.append(HEALTHY, batch(0, 1)).join().baseSequence()).isZero();
        assertThat(store.info(HEALTHY).status()).isEqualTo(ShardStatus.ONLINE);
        assertThat(faults.injected()).isPositive();

        faults.clear(); // space is back / the disk answers again
        await().atMost(RECOVERY_BOUND).until(() -> store.info(SICK).status() == ShardStatus.ONLINE);
        assertThat(registry.get("tributary.store.shard.recoveries").counter().count())
                .isEqualTo(1.0);
        AppendResult after = store.append(SICK, batch(id, 1)).get(10, TimeUnit.SECONDS);
        acked.add(id);
        assertThat(after.duplicate()).isFalse();
        assertThat(storedIds()).containsAll(acked);
    }

    @Test
    void diskThatStaysFull_reopensBackOffInsteadOfFlapping_noAppendAcknowledged_healthyShardUnaffected()
            throws Exception {
        open();
        store.append(SICK, batch(0, 1)).get(10, TimeUnit.SECONDS);
        faults.failAt(Point.WRITE, p -> p.toString().contains("sick"), DiskFaults.noSpace());

        // a reopen needs no write, so it succeeds and the next append fails again: appends keep coming for 4 s
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(4);
        long id = 1;
        int refusals = 0;
        while (System.nanoTime() < end) {
            try {
                store.append(SICK, batch(id++, 1)).get(10, TimeUnit.SECONDS);
                throw new AssertionError("an append was acknowledged on a full disk");
            } catch (ExecutionException e) {
                assertThat(e.getCause()).isInstanceOf(ShardUnavailableException.class);
                refusals++;
            }
            await().pollDelay(Duration.ofMillis(20)).until(() -> true);
        }
        double reopens =
                registry.get("tributary.store.shard.recoveries").counter().count()
                        + registry.get("tributary.store.shard.recovery.failures")
                                .counter()
                                .count();
        assertThat(reopens)
                .as("backoff 0.5, 1, 2 s: a few reopens, not one per append")
                .isBetween(1.0, 4.0);
        assertThat(refusals).isGreaterThan(10);
        assertThat(store.append(HEALTHY, batch(0, 1)).join().baseSequence()).isZero();

        faults.clear();
        long next = id;
        await().atMost(RECOVERY_BOUND).pollInterval(Duration.ofMillis(100)).until(() -> {
            try {
                return !store.append(SICK, batch(next, 1))
                        .get(10, TimeUnit.SECONDS)
                        .duplicate();
            } catch (ExecutionException e) {
                return false;
            }
        });
        assertThat(storedIds()).containsExactly(0L, next);
    }

    @Test
    void corruptData_isNotAStorageFault_leftToAnOperator() {
        assertThat(ShardHealer.storageFault(new IOException("No space left on device")))
                .isTrue();
        assertThat(ShardHealer.storageFault(new ShardUnavailableException(SICK, "x", new IOException("EIO"))))
                .isTrue();
        assertThat(ShardHealer.storageFault(new IOException("read", new CorruptBatchException("crc"))))
                .isFalse();
        assertThat(ShardHealer.storageFault(new ShardUnavailableException(SICK, "x", new DamagedShardException("gap"))))
                .isFalse();
        assertThat(ShardHealer.storageFault(new IllegalStateException("a bug"))).isFalse();
        assertThat(ShardHealer.kind(new IOException("No space left on device"))).isEqualTo("disk_full");
        assertThat(ShardHealer.kind(new IOException("Input/output error"))).isEqualTo("io_error");
    }

    private List<Long> storedIds() {
        List<Long> ids = new ArrayList<>();
        long next = 0;
        while (true) {
            List<StoredBatch> batches = store.read(SICK, next, 1000, 1 << 20).batches();
            if (batches.isEmpty()) {
                return ids;
            }
            for (StoredBatch b : batches) {
                ids.add(TestBatches.idOf(b));
                next = b.baseSequence() + b.recordCount();
            }
        }
    }
}
