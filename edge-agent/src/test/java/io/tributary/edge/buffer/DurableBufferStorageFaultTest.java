package io.tributary.edge.buffer;

import static io.tributary.edge.buffer.TestRecords.await;
import static io.tributary.edge.buffer.TestRecords.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.testsupport.DiskFaults;
import io.tributary.testsupport.DiskFaults.Point;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * ENOSPC and EIO injected at every point where the edge buffer writes ({@link DiskFaults}): the buffer refuses new
 * records with the fault's outcome, says so in its status and meters, keeps everything acknowledged, and once the fault
 * clears accepts again on its own (no restart) with its lanes gap-free.
 */
class DurableBufferStorageFaultTest {

    private static final Duration RECOVERY_BOUND = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private final DiskFaults faults = new DiskFaults();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final List<DurableBuffer> open = new ArrayList<>();

    /** Where the fault strikes, and what makes the buffer write there. */
    enum WritePoint {
        SEGMENT_APPEND(Point.WRITE, "segment-"),
        SEGMENT_TORN_APPEND(Point.TORN_WRITE, "segment-"),
        SEGMENT_FSYNC(Point.FORCE, "segment-"),
        SEGMENT_ROLL(Point.CREATE, "segment-"),
        DIRECTORY_FSYNC(Point.DIRECTORY_FORCE, "buf"),
        RELEASE_CHECKPOINT(Point.WRITE, "segment-"),
        MARKER_CHECKPOINT(Point.FORCE, "segment-"),
        EPOCH_GRANT(Point.WRITE, "segment-");

        final Point point;
        final String path;

        WritePoint(Point point, String path) {
            this.point = point;
            this.path = path;
        }
    }

    static Stream<Arguments> faultsAtEveryWritePoint() {
        return Stream.of(WritePoint.values())
                .flatMap(p ->
                        Stream.of(Arguments.of(p, StorageFault.DISK_FULL), Arguments.of(p, StorageFault.IO_ERROR)));
    }

    private DurableBuffer open() {
        BufferConfig config = BufferConfig.builder(dir.resolve("buf"), "agent-1")
                .segmentBytes(4096) // rolls every few commits, so rolls and directory syncs happen
                .diskReserveBytes(64 * 1024)
                .build();
        DurableBuffer buffer = DurableBuffer.open(config, Clock.systemUTC(), registry, faults::open);
        open.add(buffer);
        return buffer;
    }

    @AfterEach
    void closeAll() {
        faults.clear();
        open.forEach(DurableBuffer::close);
    }

    @ParameterizedTest(name = "{1} at {0}")
    @MethodSource("faultsAtEveryWritePoint")
    void fault_refusesWithItsCause_thenAcceptsAgainOnItsOwn_nothingAcknowledgedLost(WritePoint at, StorageFault fault)
            throws Exception {
        DurableBuffer buffer = open();
        List<String> acked = new ArrayList<>();
        appendAcked(buffer, acked, 20);

        faults.failAt(at.point, at.path, fault == StorageFault.DISK_FULL ? DiskFaults.noSpace() : DiskFaults.ioError());
        trigger(buffer, at, acked);

        await().atMost(Duration.ofSeconds(10)).until(() -> !buffer.status().accepting());
        assertThat(buffer.status().fault()).isEqualTo(fault);
        assertThat(buffer.status().cause()).isNotEmpty();
        assertThat(await(buffer.append(text("g", "refused"))).outcome()).isEqualTo(fault.outcome());
        assertThat(gauge("tributary.edge.buffer.offline", "cause", fault.tag())).isEqualTo(1.0);
        assertThat(counter("tributary.edge.buffer.refused", "reason", fault.tag()))
                .isPositive();
        assertThat(counter("tributary.edge.buffer.storage.errors", "cause", fault.tag()))
                .isPositive();
        assertThat(faults.injected()).isPositive();

        faults.clear(); // space is back / the disk answers again
        await().atMost(RECOVERY_BOUND).until(() -> buffer.status().accepting());
        assertThat(gauge("tributary.edge.buffer.offline", "cause", fault.tag())).isZero();
        assertThat(registry.get("tributary.edge.buffer.storage.recoveries")
                        .counter()
                        .count())
                .isEqualTo(1.0);
        appendAcked(buffer, acked, 5);
        assertAllAckedInOrderGapFree(buffer, acked);

        buffer.close(); // and durable: a fresh opening has them all
        assertAllAckedInOrderGapFree(open(), acked);
    }

    @Test
    void diskFull_logReopensOnTheReserve_drainsAndReleasesWhileRefusing_acceptsOnceTheReserveIsBack() throws Exception {
        DurableBuffer buffer = open();
        Path reserve = dir.resolve("buf").resolve(DiskReserve.FILE_NAME);
        List<String> acked = new ArrayList<>();
        appendAcked(buffer, acked, 50);
        assertThat(reserve).hasSize(64 * 1024);

        faults.failAt(Point.WRITE, "segment-", DiskFaults.noSpace());
        assertThat(await(buffer.append(text("g", "refused"))).outcome()).isEqualTo(AppendOutcome.DISK_FULL);
        // the reserve's space is all there is: the log reopens on it, but the reserve cannot be written back
        faults.clear(Point.WRITE);
        faults.failAt(Point.CREATE, DiskReserve.FILE_NAME, DiskFaults.noSpace());

        await().atMost(RECOVERY_BOUND).until(() -> buffer.status().draining());
        assertThat(buffer.status().accepting()).isFalse();
        assertThat(reserve).doesNotExist();
        List<BufferedRecord> all = buffer.read("g", LanePosition.BEFORE_FIRST, 1000, 1 << 20);
        assertThat(all).extracting(TestRecords::payload).containsExactlyElementsOf(acked);

        buffer.release("g", all.get(all.size() - 1).position()).get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> buffer.storedRecords() == 0);
        assertThat(await(buffer.append(text("g", "still refused"))).outcome()).isEqualTo(AppendOutcome.DISK_FULL);

        faults.clear();
        await().atMost(RECOVERY_BOUND).until(() -> buffer.status().accepting());
        assertThat(reserve).hasSize(64 * 1024);
        Appended next = await(buffer.append(text("g", "after")));
        assertThat(next.isStored()).isTrue();
        assertThat(next.id().getSequence())
                .as("gap-free after the refused ones")
                .isEqualTo(50);
    }

    @Test
    void releaseWhileTheLogCannotReopen_waitsAndIsAppliedAfterTheReopen() throws Exception {
        DurableBuffer buffer = open();
        List<String> acked = new ArrayList<>();
        appendAcked(buffer, acked, 10);
        LanePosition last =
                buffer.read("g", LanePosition.BEFORE_FIRST, 100, 1 << 20).get(9).position();

        faults.failAt(Point.WRITE, "segment-", DiskFaults.ioError());
        assertThat(await(buffer.append(text("g", "refused"))).outcome()).isEqualTo(AppendOutcome.IO_ERROR);
        await().atMost(Duration.ofSeconds(10)).until(() -> !buffer.status().draining());
        CompletableFuture<Void> release = buffer.release("g", last);
        assertThat(release).isNotDone();

        faults.clear();
        release.get(RECOVERY_BOUND.toSeconds(), TimeUnit.SECONDS);
        assertThat(buffer.releasedPosition("g")).isEqualTo(last);
        await().atMost(RECOVERY_BOUND).until(() -> buffer.status().accepting());
        buffer.close();
        assertThat(open().releasedPosition("g")).isEqualTo(last);
    }

    @Test
    void startOnADiskWithoutRoomForTheReserve_refusesAsDiskFull_untilThereIs() throws IOException {
        faults.failAt(Point.CREATE, DiskReserve.FILE_NAME, DiskFaults.noSpace());
        DurableBuffer buffer = open();

        await().atMost(Duration.ofSeconds(10)).until(() -> !buffer.status().accepting());
        assertThat(buffer.status().fault()).isEqualTo(StorageFault.DISK_FULL);
        assertThat(buffer.status().draining()).isTrue();

        faults.clear();
        await().atMost(RECOVERY_BOUND).until(() -> buffer.status().accepting());
        assertThat(await(buffer.append(text("g", "a"))).isStored()).isTrue();
        assertThat(Files.size(dir.resolve("buf").resolve(DiskReserve.FILE_NAME)))
                .isEqualTo(64 * 1024);
    }

    /** Makes the buffer write at {@code at}; appends acknowledged meanwhile go to {@code acked}. */
    private void trigger(DurableBuffer buffer, WritePoint at, List<String> acked) throws Exception {
        switch (at) {
            case RELEASE_CHECKPOINT -> {
                LanePosition first = buffer.read("g", LanePosition.BEFORE_FIRST, 1, 1 << 20)
                        .get(0)
                        .position();
                buffer.release("g", first); // committed after the reopen: delivered, so no longer read
                acked.remove(0);
            }
            case MARKER_CHECKPOINT -> {
                AppendedAll r = buffer.append(List.of(text("g", "with-marker")), Map.of("m", new LanePosition(1, 1)))
                        .get(10, TimeUnit.SECONDS);
                assertThat(r.isStored()).isFalse();
            }
            case EPOCH_GRANT -> assertThat(buffer.recordEpochGrant(5L << 32)).failsWithin(Duration.ofSeconds(10));
            default -> {
                // appends until one is refused: a roll or a directory sync happens only every few commits
                for (int i = 0; i < 200 && buffer.status().accepting(); i++) {
                    String payload = "t" + i;
                    if (await(buffer.append(text("g", payload))).isStored()) {
                        acked.add(payload);
                    }
                }
            }
        }
    }

    private static void appendAcked(DurableBuffer buffer, List<String> acked, int n) {
        for (int i = 0; i < n; i++) {
            String payload = "r" + acked.size();
            assertThat(await(buffer.append(text("g", payload))).isStored()).isTrue();
            acked.add(payload);
        }
    }

    /**
     * Exactly the acknowledged records are stored, in order (a refused record is not, even when its bytes were written
     * before the fsync failed: the reopen cuts them off), and the lane's sequences have no gap.
     */
    private static void assertAllAckedInOrderGapFree(DurableBuffer buffer, List<String> acked) {
        List<BufferedRecord> stored = buffer.read("g", LanePosition.BEFORE_FIRST, 10_000, 1 << 24);
        List<String> payloads = stored.stream().map(TestRecords::payload).toList();
        assertThat(payloads).containsExactlyElementsOf(acked);
        for (int i = 1; i < stored.size(); i++) {
            assertThat(stored.get(i).record().getId().getSequence())
                    .as("sequence after %s", stored.get(i - 1).position())
                    .isEqualTo(stored.get(i - 1).record().getId().getSequence() + 1);
        }
    }

    private double gauge(String name, String tag, String value) {
        return registry.get(name).tag(tag, value).gauge().value();
    }

    private double counter(String name, String tag, String value) {
        return registry.get(name).tag(tag, value).counter().count();
    }
}
