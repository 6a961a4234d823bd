package io.tributary.edge.aggregate;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.edge.buffer.BufferConfig;
import io.tributary.edge.buffer.BufferedRecord;
import io.tributary.edge.buffer.DurableBuffer;
import io.tributary.edge.buffer.LanePosition;
import io.tributary.edge.buffer.PendingRecord;
import io.tributary.protocol.v1.Aggregate;
import io.tributary.protocol.v1.ContentType;
import io.tributary.protocol.v1.Record;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Aggregator} on a real buffer, driven pass by pass (its thread is not started). */
class AggregatorTest {

    private static final String RAW = AggregationLanes.raw("g", 10_000);
    private static final long T0 = 1_700_000_000_000L;

    @TempDir
    Path dir;

    private DurableBuffer open() {
        return DurableBuffer.open(
                BufferConfig.builder(dir.resolve("b.db"), "agent").build(),
                Clock.systemUTC(),
                new SimpleMeterRegistry());
    }

    private static void append(DurableBuffer buffer, long receiveMs, int v) {
        Record r = Record.newBuilder()
                .setDeviceId("d")
                .setDeviceGroup("g")
                .setMetric("m")
                .setEdgeReceiveTimeMs(receiveMs)
                .setContentType(ContentType.CONTENT_TYPE_JSON)
                .setPayload(ByteString.copyFromUtf8("{\"v\":" + v + "}"))
                .build();
        assertThat(buffer.append(PendingRecord.of(RAW, r))
                        .orTimeout(10, TimeUnit.SECONDS)
                        .join()
                        .isStored())
                .isTrue();
    }

    private static Aggregator aggregator(DurableBuffer buffer, long nowMs) {
        return new Aggregator(
                buffer,
                Duration.ofSeconds(1),
                Duration.ZERO,
                Clock.fixed(Instant.ofEpochMilli(nowMs), ZoneOffset.UTC),
                new SimpleMeterRegistry(),
                () -> {});
    }

    private static List<Aggregate> aggregates(DurableBuffer buffer) {
        return buffer.read("g#agg", LanePosition.BEFORE_FIRST, 100, 1 << 20).stream()
                .map(BufferedRecord::record)
                .map(r -> {
                    try {
                        return Aggregate.parseFrom(r.getPayload());
                    } catch (InvalidProtocolBufferException e) {
                        throw new AssertionError(e);
                    }
                })
                .toList();
    }

    @Test
    void pass_windowDue_appendsAggregateMovesMarkerAndReleasesRaw() {
        try (DurableBuffer buffer = open()) {
            append(buffer, T0, 1);
            append(buffer, T0 + 5_000, 2);
            append(buffer, T0 + 10_000, 4); // next window, still open

            aggregator(buffer, T0 + 10_500).pass();

            assertThat(aggregates(buffer)).singleElement().satisfies(a -> {
                assertThat(a.getCount()).isEqualTo(2);
                assertThat(a.getSum()).isEqualTo(3);
            });
            assertThat(buffer.marker(RAW).sequence()).isEqualTo(1);
            // The release of the aggregated raw records is queued behind the aggregate's commit: wait for it.
            org.awaitility.Awaitility.await()
                    .atMost(java.time.Duration.ofSeconds(30))
                    .untilAsserted(() -> assertThat(buffer.read(RAW, LanePosition.BEFORE_FIRST, 10, 1 << 20))
                            .hasSize(1)); // released up to the marker
        }
    }

    @Test
    void pass_afterRestartWithOpenWindow_resumesAfterMarkerWithoutRecounting() {
        try (DurableBuffer buffer = open()) {
            append(buffer, T0, 1);
            append(buffer, T0 + 10_000, 2);
            aggregator(buffer, T0 + 10_500).pass(); // emits [T0, T0+10s); [T0+10s, ..) open, then "crash"
        }
        try (DurableBuffer buffer = open()) {
            append(buffer, T0 + 12_000, 4);
            Aggregator restarted = aggregator(buffer, T0 + 21_000);

            restarted.pass();
            restarted.pass(); // nothing new: nothing emitted twice

            assertThat(aggregates(buffer))
                    .extracting(Aggregate::getCount, Aggregate::getSum)
                    .containsExactly(
                            org.assertj.core.groups.Tuple.tuple(1L, 1.0), org.assertj.core.groups.Tuple.tuple(2L, 6.0));
        }
    }
}
