package io.tributary.edge.buffer;

import static io.tributary.edge.buffer.TestRecords.await;
import static io.tributary.edge.buffer.TestRecords.awaitAll;
import static io.tributary.edge.buffer.TestRecords.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.testsupport.MutableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DurableBufferTest {

    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(1_700_000_000_000L);
    private final List<DurableBuffer> open = new ArrayList<>();
    private SimpleMeterRegistry registry;

    private DurableBuffer open(BufferConfig.Builder config) {
        registry = new SimpleMeterRegistry();
        DurableBuffer buffer = DurableBuffer.open(config.build(), clock, registry);
        open.add(buffer);
        return buffer;
    }

    private BufferConfig.Builder config() {
        return BufferConfig.builder(dir.resolve("buffer.db"), "agent-1");
    }

    @AfterEach
    void closeAll() {
        open.forEach(DurableBuffer::close);
    }

    @Test
    void append_thenRead_returnsRecordsInOrderWithIds() {
        DurableBuffer buffer = open(config());
        List<Appended> acks = awaitAll(List.of(
                buffer.append(text("g1", "a")), buffer.append(text("g2", "b")), buffer.append(text("g1", "c"))));

        assertThat(acks).allMatch(Appended::isStored);
        List<BufferedRecord> g1 = buffer.read("g1", LanePosition.BEFORE_FIRST, 100, 1 << 20);
        assertThat(g1).extracting(TestRecords::payload).containsExactly("a", "c");
        assertThat(g1).extracting(r -> r.record().getId().getSequence()).containsExactly(0L, 1L);
        assertThat(g1.get(0).record().getId().getAgentId()).isEqualTo("agent-1");
        assertThat(g1.get(0).record().getId().getLane()).isEqualTo("g1");
        assertThat(g1.get(0).record().getEdgeReceiveTimeMs()).isEqualTo(clock.millis());
        assertThat(buffer.lanes()).containsExactlyInAnyOrder("g1", "g2");
    }

    @Test
    void read_afterCursorWithLimits_returnsNextContiguousRun() {
        DurableBuffer buffer = open(config().maxChunkBytes(64));
        awaitAll(IntStream.range(0, 20)
                .mapToObj(i -> buffer.append(text("g", "r" + i)))
                .toList());

        List<BufferedRecord> first = buffer.read("g", LanePosition.BEFORE_FIRST, 5, 1 << 20);
        List<BufferedRecord> next = buffer.read("g", first.get(4).position(), 100, 1 << 20);
        List<BufferedRecord> byBytes = buffer.read("g", LanePosition.BEFORE_FIRST, 100, 1);

        assertThat(first).extracting(TestRecords::payload).containsExactly("r0", "r1", "r2", "r3", "r4");
        assertThat(next).hasSize(15).first().extracting(TestRecords::payload).isEqualTo("r5");
        assertThat(byBytes).hasSize(1);
    }

    @Test
    void release_thenReopen_freesSpaceAndResumesAfterWatermark() {
        DurableBuffer buffer = open(config().maxChunkBytes(64));
        awaitAll(IntStream.range(0, 10)
                .mapToObj(i -> buffer.append(text("g", "r" + i)))
                .toList());
        long before = buffer.storedBytes();
        List<BufferedRecord> all = buffer.read("g", LanePosition.BEFORE_FIRST, 100, 1 << 20);

        buffer.release("g", all.get(6).position())
                .orTimeout(10, TimeUnit.SECONDS)
                .join();
        assertThat(buffer.storedBytes()).isLessThan(before);
        buffer.close();
        DurableBuffer reopened = open(config());

        assertThat(reopened.releasedPosition("g")).isEqualTo(all.get(6).position());
        assertThat(reopened.read("g", LanePosition.BEFORE_FIRST, 100, 1 << 20))
                .extracting(TestRecords::payload)
                .containsExactly("r7", "r8", "r9");
    }

    @Test
    void reopen_withUnsentRecords_incrementsEpochAndKeepsOriginalIds() {
        DurableBuffer first = open(config());
        Appended old = await(first.append(text("g", "old")));
        first.close();

        DurableBuffer second = open(config());
        Appended fresh = await(second.append(text("g", "new")));

        assertThat(second.epoch()).isEqualTo(first.epoch() + 1);
        assertThat(fresh.id().getAgentEpoch()).isEqualTo(second.epoch());
        assertThat(fresh.id().getSequence()).isZero();
        List<BufferedRecord> lane = second.read("g", LanePosition.BEFORE_FIRST, 10, 1 << 20);
        assertThat(lane).extracting(TestRecords::payload).containsExactly("old", "new");
        assertThat(lane.get(0).record().getId()).isEqualTo(old.id());
    }

    @Test
    void append_manyConcurrent_groupCommitsWithGapFreeSequences() throws Exception {
        DurableBuffer buffer = open(config());
        int producers = 8;
        int perProducer = 500;
        ExecutorService pool = Executors.newFixedThreadPool(producers);
        List<CompletableFuture<Appended>> futures = java.util.Collections.synchronizedList(new ArrayList<>());
        try {
            for (int p = 0; p < producers; p++) {
                String lane = "g" + (p % 3);
                pool.submit(() -> {
                    for (int i = 0; i < perProducer; i++) {
                        futures.add(buffer.append(text(lane, "x")));
                    }
                });
            }
            pool.shutdown();
            assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        } finally {
            pool.shutdownNow();
        }

        List<Appended> acks = awaitAll(new ArrayList<>(futures));
        assertThat(acks).hasSize(producers * perProducer).allMatch(Appended::isStored);
        for (String lane : List.of("g0", "g1", "g2")) {
            List<Long> seqs = acks.stream()
                    .filter(a -> a.id().getLane().equals(lane))
                    .map(a -> a.id().getSequence())
                    .sorted()
                    .toList();
            assertThat(seqs).isEqualTo(LongRange.of(seqs.size()));
            assertThat(buffer.read(lane, LanePosition.BEFORE_FIRST, 10_000, Integer.MAX_VALUE))
                    .extracting(r -> r.record().getId().getSequence())
                    .isEqualTo(seqs);
        }
        long commits = registry.get("tributary.edge.buffer.commit").timer().count();
        assertThat(commits).isLessThan(producers * perProducer / 4);
    }

    @Test
    void append_queueFull_completesBusy() {
        DurableBuffer buffer = open(config().queueCapacity(1).maxBatchRecords(1));
        List<CompletableFuture<Appended>> futures = IntStream.range(0, 200)
                .mapToObj(i -> buffer.append(text("g", "x")))
                .toList();

        List<Appended> acks = awaitAll(futures);
        assertThat(acks).extracting(Appended::outcome).contains(AppendOutcome.BUSY);
        long busy = acks.stream().filter(a -> a.outcome() == AppendOutcome.BUSY).count();
        assertThat(registry.get("tributary.edge.buffer.busy").counter().count()).isEqualTo(busy);
        assertThat(buffer.storedRecords()).isEqualTo(200 - busy);
    }

    @Test
    void sweep_recordsPastTtl_dropsThemAsExpired() {
        DurableBuffer buffer = open(config().sweepInterval(Duration.ofMillis(20)));
        PendingRecord shortLived = new PendingRecord("g", text("g", "short").body(), Duration.ofMinutes(1));
        awaitAll(List.of(buffer.append(shortLived), buffer.append(text("g", "forever")), buffer.append(shortLived)));

        clock.advance(Duration.ofMinutes(2));

        await().atMost(Duration.ofSeconds(60)).until(() -> buffer.losses().get(LossReason.EXPIRED) == 2);
        assertThat(buffer.read("g", LanePosition.BEFORE_FIRST, 10, 1 << 20))
                .extracting(TestRecords::payload)
                .containsExactly("forever");
        assertThat(registry.get("tributary.edge.buffer.lost")
                        .tag("reason", "expired")
                        .functionCounter()
                        .count())
                .isEqualTo(2.0);
    }

    @Test
    void sweep_wallClockSetForwardByHours_expiresNothingEarly() {
        DurableBuffer buffer = open(config().sweepInterval(Duration.ofMillis(20)));
        PendingRecord hourLong = new PendingRecord("g", text("g", "hour").body(), Duration.ofHours(1));
        awaitAll(List.of(buffer.append(hourLong)));

        clock.jump(Duration.ofHours(3)); // NTP or an operator sets the clock; a minute passes
        clock.advance(Duration.ofMinutes(1));
        PendingRecord minuteLong = new PendingRecord("g", text("g", "minute").body(), Duration.ofMinutes(1));
        awaitAll(List.of(buffer.append(minuteLong))); // a write: the writer has swept since the jump
        clock.advance(Duration.ofMillis(100));
        awaitAll(List.of(buffer.append(text("g", "forever"))));

        assertThat(buffer.losses().get(LossReason.EXPIRED))
                .as("nothing is an hour old")
                .isZero();

        clock.advance(Duration.ofHours(1)); // now an hour has really passed
        await().atMost(Duration.ofSeconds(60)).until(() -> buffer.losses().get(LossReason.EXPIRED) == 1);
        // The record stored after the jump got its deadline from the jumped clock: kept longer, never shorter.
        assertThat(buffer.read("g", LanePosition.BEFORE_FIRST, 10, 1 << 20))
                .extracting(TestRecords::payload)
                .containsExactly("minute", "forever");
    }

    @Test
    void sweep_wallClockSetBackByHours_keepsSweeping() {
        DurableBuffer buffer = open(config().sweepInterval(Duration.ofMillis(20)));
        clock.jump(Duration.ofHours(-3));
        PendingRecord shortLived = new PendingRecord("g", text("g", "short").body(), Duration.ofMinutes(1));
        awaitAll(List.of(buffer.append(shortLived), buffer.append(text("g", "forever"))));

        clock.advance(Duration.ofMinutes(2));

        // Scheduled on the wall clock, the next sweep waited for the old time to come back: three hours.
        await().atMost(Duration.ofSeconds(60)).until(() -> buffer.losses().get(LossReason.EXPIRED) == 1);
    }

    @Test
    void close_thenAppend_completesUnavailable() {
        DurableBuffer buffer = open(config());
        buffer.close();

        assertThat(await(buffer.append(text("g", "late"))).outcome()).isEqualTo(AppendOutcome.UNAVAILABLE);
    }

    /** 0..n-1 as a list, for gap-free checks. */
    private static final class LongRange {
        static List<Long> of(int n) {
            return java.util.stream.LongStream.range(0, n).boxed().toList();
        }
    }
}
