package io.tributary.edge.buffer;

import static io.tributary.edge.buffer.TestRecords.text;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.testsupport.MutableClock;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link DurableBuffer#append(List, Map)}: records and markers committed as one unit. */
class DurableBufferMarkerTest {

    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(1_700_000_000_000L);
    private final List<DurableBuffer> open = new ArrayList<>();

    private DurableBuffer open(BufferConfig.Builder config) {
        DurableBuffer buffer = DurableBuffer.open(config.build(), clock, new SimpleMeterRegistry());
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

    private static AppendedAll await(java.util.concurrent.CompletableFuture<AppendedAll> f) {
        return f.orTimeout(10, TimeUnit.SECONDS).join();
    }

    @Test
    void appendAll_recordsAndMarker_storedTogetherWithGapFreeIds() {
        DurableBuffer buffer = open(config());
        TestRecords.await(buffer.append(text("g", "before")));

        AppendedAll done = await(buffer.append(
                List.of(text("g", "a"), text("g#agg", "x"), text("g", "b")), Map.of("g#raw", new LanePosition(1, 7))));

        assertThat(done.isStored()).isTrue();
        assertThat(done.ids())
                .extracting(id -> id.getLane() + ":" + id.getSequence())
                .containsExactly("g:1", "g#agg:0", "g:2");
        assertThat(buffer.read("g", LanePosition.BEFORE_FIRST, 10, 1 << 20))
                .extracting(TestRecords::payload)
                .containsExactly("before", "a", "b");
        assertThat(buffer.marker("g#raw")).isEqualTo(new LanePosition(1, 7));
        assertThat(buffer.marker("unknown")).isEqualTo(LanePosition.BEFORE_FIRST);
    }

    @Test
    void appendAll_markerBehindCurrent_isIgnored() {
        DurableBuffer buffer = open(config());
        await(buffer.append(List.of(), Map.of("m", new LanePosition(2, 5))));

        await(buffer.append(List.of(text("g", "a")), Map.of("m", new LanePosition(2, 1))));

        assertThat(buffer.marker("m")).isEqualTo(new LanePosition(2, 5));
    }

    @Test
    void appendAll_reopened_keepsRecordsAndMarkers() {
        DurableBuffer buffer = open(config());
        await(buffer.append(List.of(text("g#agg", "x")), Map.of("g#raw", new LanePosition(1, 3))));
        buffer.close();

        DurableBuffer reopened = open(config());

        assertThat(reopened.marker("g#raw")).isEqualTo(new LanePosition(1, 3));
        assertThat(reopened.read("g#agg", LanePosition.BEFORE_FIRST, 10, 1 << 20))
                .extracting(TestRecords::payload)
                .containsExactly("x");
    }

    @Test
    void appendAll_notAllFitQuota_storesNothingAndLeavesMarker() {
        DurableBuffer buffer = open(config().quotaBytes(1 << 20).overflowPolicy(OverflowPolicy.REJECT_NEW));
        String big = "x".repeat(400 << 10);

        AppendedAll done = await(buffer.append(
                List.of(text("g", big), text("g", big), text("g", big)), Map.of("m", new LanePosition(1, 1))));

        assertThat(done.outcome()).isEqualTo(AppendOutcome.QUOTA_EXCEEDED);
        assertThat(done.ids()).isEmpty();
        assertThat(buffer.read("g", LanePosition.BEFORE_FIRST, 10, Integer.MAX_VALUE))
                .isEmpty();
        assertThat(buffer.marker("m")).isEqualTo(LanePosition.BEFORE_FIRST);
        assertThat(buffer.losses()).containsEntry(LossReason.REJECTED, 3L);
    }

    @Test
    void appendAll_closedBuffer_isUnavailable() {
        DurableBuffer buffer = open(config());
        buffer.close();

        assertThat(await(buffer.append(List.of(text("g", "a")), Map.of())).outcome())
                .isEqualTo(AppendOutcome.UNAVAILABLE);
    }
}
