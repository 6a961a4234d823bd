package io.tributary.edge.buffer;

import static io.tributary.edge.buffer.TestRecords.await;
import static io.tributary.edge.buffer.TestRecords.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.testsupport.MutableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Records on their way to the hub ({@link DurableBuffer#readForDelivery}) under quota pressure and expiry. */
class DurableBufferHoldTest {

    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(1_700_000_000_000L);
    private final List<DurableBuffer> open = new ArrayList<>();

    private DurableBuffer open(long quota, OverflowPolicy policy) {
        DurableBuffer buffer = DurableBuffer.open(
                BufferConfig.builder(dir.resolve("buffer.db"), "agent")
                        .quotaBytes(quota)
                        .overflowPolicy(policy)
                        .sweepInterval(Duration.ofMillis(20))
                        .build(),
                clock,
                new SimpleMeterRegistry());
        open.add(buffer);
        return buffer;
    }

    @AfterEach
    void closeAll() {
        open.forEach(DurableBuffer::close);
    }

    /** Appends record-from..record-(to-1) one commit each (one chunk each), all stored. */
    private static List<LanePosition> append(DurableBuffer buffer, int from, int to) {
        List<LanePosition> out = new ArrayList<>();
        for (int i = from; i < to; i++) {
            Appended a = await(buffer.append(text("g", "record-" + i)));
            assertThat(a.isStored()).as("record-%d stored", i).isTrue();
            out.add(LanePosition.of(a.id()));
        }
        return out;
    }

    /** Holds the lane as the forwarder does: the hub acknowledged up to {@code acked}, sent up to {@code sent}. */
    private static void hold(DurableBuffer buffer, LanePosition acked, LanePosition sent) {
        buffer.readForDelivery("g", LanePosition.BEFORE_FIRST, 1, Integer.MAX_VALUE, acked, read -> sent);
    }

    private static List<String> left(DurableBuffer buffer) {
        return buffer.read("g", LanePosition.BEFORE_FIRST, 1000, Integer.MAX_VALUE).stream()
                .map(TestRecords::payload)
                .toList();
    }

    private static List<String> names(int from, int to) {
        return IntStream.range(from, to).mapToObj(i -> "record-" + i).toList();
    }

    @Test
    void dropOldest_recordsOnTheirWay_areKeptAndOnlyTheOthersCounted() {
        DurableBuffer buffer = open(800, OverflowPolicy.DROP_OLDEST);
        List<LanePosition> ids = append(buffer, 0, 10);
        assertThat(buffer.losses().get(LossReason.DROPPED)).isZero();
        List<RawRecord> read = buffer.readForDelivery(
                "g",
                LanePosition.BEFORE_FIRST,
                5,
                Integer.MAX_VALUE,
                LanePosition.BEFORE_FIRST,
                records -> records.get(records.size() - 1).position());
        assertThat(read).extracting(r -> r.position()).isEqualTo(ids.subList(0, 5));

        append(buffer, 10, 60);

        List<String> left = left(buffer);
        assertThat(left.subList(0, 5)).as("sent, not answered: kept").isEqualTo(names(0, 5));
        assertThat(left.subList(5, left.size())).isEqualTo(names(60 - (left.size() - 5), 60));
        assertThat(buffer.losses().get(LossReason.DROPPED)).isEqualTo(60L - left.size());
        assertThat(buffer.storedBytes()).isLessThanOrEqualTo(800);
    }

    @Test
    void dropOldest_acknowledgedNotYetReleased_freedWithoutCounting() {
        DurableBuffer buffer = open(800, OverflowPolicy.DROP_OLDEST);
        List<LanePosition> ids = append(buffer, 0, 10);
        assertThat(buffer.losses().get(LossReason.DROPPED)).isZero();
        hold(buffer, ids.get(4), ids.get(9));

        append(buffer, 10, 60);

        List<String> left = left(buffer);
        assertThat(left.subList(0, 5)).isEqualTo(names(5, 10));
        long gone = 60 - left.size();
        assertThat(buffer.losses().get(LossReason.DROPPED))
                .as("record-0..4 reached the hub")
                .isEqualTo(gone - 5);
    }

    @Test
    void readForDelivery_planSendsNothing_holdUnchangedAndTheRecordsRemainTakeable() {
        DurableBuffer buffer = open(400, OverflowPolicy.DROP_OLDEST);
        append(buffer, 0, 10);
        List<RawRecord> read = buffer.readForDelivery(
                "g", LanePosition.BEFORE_FIRST, 5, Integer.MAX_VALUE, LanePosition.BEFORE_FIRST, records -> null);
        assertThat(read).hasSize(5);

        append(buffer, 10, 40); // over the quota: the oldest go, the ones just read included (not on their way)

        assertThat(buffer.losses().get(LossReason.DROPPED)).isPositive();
        assertThat(left(buffer)).doesNotContain("record-0");
    }

    @Test
    void dropOldest_onlyRecordsOnTheirWayLeft_refusesTheNewRecordAsRejected() {
        DurableBuffer buffer = open(400, OverflowPolicy.DROP_OLDEST);
        append(buffer, 0, 40);
        List<BufferedRecord> stored = buffer.read("g", LanePosition.BEFORE_FIRST, 1000, Integer.MAX_VALUE);
        hold(buffer, LanePosition.BEFORE_FIRST, stored.get(stored.size() - 1).position());
        long dropped = buffer.losses().get(LossReason.DROPPED);

        assertThat(await(buffer.append(text("g", "one-too-many"))).outcome()).isEqualTo(AppendOutcome.QUOTA_EXCEEDED);
        assertThat(buffer.losses().get(LossReason.REJECTED)).isEqualTo(1);
        assertThat(buffer.losses().get(LossReason.DROPPED)).isEqualTo(dropped);
        assertThat(left(buffer))
                .isEqualTo(stored.stream().map(TestRecords::payload).toList());
    }

    @Test
    void aggregateOldest_recordsOnTheirWay_areNotRolledUp() {
        DurableBuffer buffer = open(1_200, OverflowPolicy.AGGREGATE_OLDEST);
        List<LanePosition> ids = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            ids.add(LanePosition.of(
                    await(buffer.append(TestRecords.json("g", "d", clock.millis(), "{\"t\":" + i + "}")))
                            .id()));
        }
        assertThat(buffer.losses().get(LossReason.ROLLED_UP)).isZero();
        hold(buffer, LanePosition.BEFORE_FIRST, ids.get(4));

        for (int i = 10; i < 40; i++) {
            assertThat(await(buffer.append(TestRecords.json("g", "d", clock.millis(), "{\"t\":" + i + "}")))
                            .isStored())
                    .isTrue();
        }

        assertThat(buffer.losses().get(LossReason.ROLLED_UP)).isPositive();
        List<BufferedRecord> left = buffer.read("g", LanePosition.BEFORE_FIRST, 1000, Integer.MAX_VALUE);
        assertThat(left.subList(0, 5))
                .extracting(TestRecords::payload)
                .as("sent, not answered: kept raw")
                .containsExactly("{\"t\":0}", "{\"t\":1}", "{\"t\":2}", "{\"t\":3}", "{\"t\":4}");
    }

    @Test
    void expire_recordsOnTheirWay_outliveTheirTtl() {
        DurableBuffer buffer = open(1L << 20, OverflowPolicy.REJECT_NEW);
        List<LanePosition> ids = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            PendingRecord r = new PendingRecord("g", text("g", "record-" + i).body(), Duration.ofMinutes(1));
            ids.add(LanePosition.of(await(buffer.append(r)).id()));
        }
        hold(buffer, LanePosition.BEFORE_FIRST, ids.get(1));

        clock.advance(Duration.ofMinutes(2));

        await().atMost(Duration.ofSeconds(30)).until(() -> buffer.losses().get(LossReason.EXPIRED) == 2);
        assertThat(buffer.read("g", LanePosition.BEFORE_FIRST, 10, 1 << 20))
                .extracting(TestRecords::payload)
                .containsExactly("record-0", "record-1");
    }
}
