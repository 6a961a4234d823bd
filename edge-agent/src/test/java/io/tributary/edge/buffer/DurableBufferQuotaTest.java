package io.tributary.edge.buffer;

import static io.tributary.edge.buffer.TestRecords.await;
import static io.tributary.edge.buffer.TestRecords.awaitAll;
import static io.tributary.edge.buffer.TestRecords.json;
import static io.tributary.edge.buffer.TestRecords.text;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.InvalidProtocolBufferException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.protocol.v1.Aggregate;
import io.tributary.protocol.v1.ContentType;
import io.tributary.testsupport.MutableClock;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DurableBufferQuotaTest {

    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(1_700_000_000_000L);
    private final List<DurableBuffer> open = new ArrayList<>();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private DurableBuffer open(long quota, OverflowPolicy policy) {
        BufferConfig config = BufferConfig.builder(dir.resolve("buffer.db"), "agent")
                .quotaBytes(quota)
                .overflowPolicy(policy)
                .build();
        DurableBuffer buffer = DurableBuffer.open(config, clock, registry);
        open.add(buffer);
        return buffer;
    }

    @AfterEach
    void closeAll() {
        open.forEach(DurableBuffer::close);
    }

    @Test
    void append_overQuotaWithRejectNew_completesQuotaExceededAndCountsRejected() {
        DurableBuffer buffer = open(1_000, OverflowPolicy.REJECT_NEW);
        List<Appended> acks = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            acks.add(await(buffer.append(text("g", "record-" + i))));
        }

        long stored = acks.stream().filter(Appended::isStored).count();
        long rejected = acks.stream()
                .filter(a -> a.outcome() == AppendOutcome.QUOTA_EXCEEDED)
                .count();
        assertThat(stored + rejected).isEqualTo(60);
        assertThat(rejected).isPositive();
        assertThat(buffer.storedBytes()).isLessThanOrEqualTo(1_000);
        assertThat(buffer.losses().get(LossReason.REJECTED)).isEqualTo(rejected);
        assertThat(buffer.read("g", LanePosition.BEFORE_FIRST, 1000, Integer.MAX_VALUE))
                .hasSize((int) stored);
        assertThat(registry.get("tributary.edge.buffer.lost")
                        .tag("reason", "rejected")
                        .functionCounter()
                        .count())
                .isEqualTo(rejected);
    }

    @Test
    void release_afterRejectNew_makesRoomAgain() {
        DurableBuffer buffer = open(500, OverflowPolicy.REJECT_NEW);
        Appended last = null;
        for (int i = 0; i < 40; i++) {
            Appended a = await(buffer.append(text("g", "record-" + i)));
            if (a.isStored()) {
                last = a;
            }
        }
        assertThat(last).isNotNull();

        buffer.release("g", LanePosition.of(last.id()))
                .orTimeout(10, TimeUnit.SECONDS)
                .join();

        assertThat(buffer.storedBytes()).isZero();
        assertThat(await(buffer.append(text("g", "after"))).isStored()).isTrue();
    }

    @Test
    void append_overQuotaWithDropOldest_keepsNewestAndCountsDropped() {
        DurableBuffer buffer = open(800, OverflowPolicy.DROP_OLDEST);
        for (int i = 0; i < 50; i++) {
            assertThat(await(buffer.append(text("g", "record-" + i))).isStored())
                    .isTrue();
        }

        List<BufferedRecord> left = buffer.read("g", LanePosition.BEFORE_FIRST, 1000, Integer.MAX_VALUE);
        assertThat(buffer.storedBytes()).isLessThanOrEqualTo(800);
        assertThat(left).isNotEmpty();
        assertThat(buffer.losses().get(LossReason.DROPPED)).isEqualTo(50L - left.size());
        assertThat(left)
                .extracting(TestRecords::payload)
                .isEqualTo(IntStream.range(50 - left.size(), 50)
                        .mapToObj(i -> "record-" + i)
                        .toList());
    }

    @Test
    void append_overQuotaWithAggregateOldest_rollsUpOldestAndLosesNoValue() throws Exception {
        double expectedSum = 0;
        DurableBuffer first = open(1L << 30, OverflowPolicy.REJECT_NEW);
        List<CompletableFuture<Appended>> batch = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            batch.add(first.append(json("g", "dev-" + (i % 2), clock.millis() + i, "{\"t\": " + i + ", \"s\":\"x\"}")));
            expectedSum += i;
        }
        assertThat(awaitAll(batch)).allMatch(Appended::isStored);
        long quota = first.storedBytes() + 400;
        first.close();

        DurableBuffer buffer = open(quota, OverflowPolicy.AGGREGATE_OLDEST);
        for (int i = 200; i < 210; i++) {
            String payload = Integer.toString(i); // a plain number payload
            assertThat(await(buffer.append(json("g", "dev-0", clock.millis() + i, payload)))
                            .isStored())
                    .isTrue();
            expectedSum += i;
        }

        long rolledUp = buffer.losses().get(LossReason.ROLLED_UP);
        assertThat(rolledUp).isPositive();
        assertThat(buffer.losses().get(LossReason.DROPPED)).isZero();
        assertThat(buffer.storedBytes()).isLessThanOrEqualTo(quota);
        List<BufferedRecord> left = buffer.read("g", LanePosition.BEFORE_FIRST, 1000, Integer.MAX_VALUE);
        long raw = 0;
        long aggregated = 0;
        double sum = 0;
        for (BufferedRecord r : left) {
            if (r.record().getContentType() == ContentType.CONTENT_TYPE_AGGREGATE) {
                Aggregate a = aggregate(r);
                assertThat(a.getField()).isEqualTo("t");
                assertThat(r.record().getEventTimeMs()).isEqualTo(a.getWindowStartMs());
                aggregated += a.getCount();
                sum += a.getSum();
            } else {
                raw++;
                sum += NumericFields.of(r.record().getPayload().toByteArray()).values().stream()
                        .mapToDouble(Double::doubleValue)
                        .sum();
            }
        }
        assertThat(aggregated).isEqualTo(rolledUp);
        assertThat(raw + rolledUp).isEqualTo(210);
        assertThat(sum).isEqualTo(expectedSum);
        assertThat(left).extracting(BufferedRecord::position).isSorted().doesNotHaveDuplicates();
    }

    private static Aggregate aggregate(BufferedRecord r) throws InvalidProtocolBufferException {
        return Aggregate.parseFrom(r.record().getPayload());
    }
}
