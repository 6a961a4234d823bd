package io.tributary.edge.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.edge.buffer.LanePosition;
import io.tributary.edge.mqtt.SinkResult;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class RedeliveryMarksTest {
    private final MemoryBridgeSink sink = new MemoryBridgeSink(i -> SinkResult.STORED);
    private final long hash = RedeliveryMarks.hash("t/a", bytes("21.5"));

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Stores (mark committed) as the bridge does after a durable store. */
    private static void store(RedeliveryMarks marks, MemoryBridgeSink sink, int id, long hash) {
        Map<String, LanePosition> mark = marks.storing(id, hash);
        sink.mark(mark);
        marks.stored(id, mark, true);
    }

    private static void ack(RedeliveryMarks marks, MemoryBridgeSink sink, int id, long hash) {
        Map<String, LanePosition> mark = marks.acking(id, hash);
        sink.mark(mark);
        marks.committed(mark);
    }

    @Test
    void storedNotAcked_sameIdAndContent_isARedelivery_alsoForTheNextRun() {
        RedeliveryMarks marks = new RedeliveryMarks("c", sink);
        assertThat(marks.storedAlready(7, hash).join()).isFalse();
        store(marks, sink, 7, hash);

        assertThat(marks.storedAlready(7, hash).join()).isTrue();
        assertThat(new RedeliveryMarks("c", sink).storedAlready(7, hash).join())
                .as("after a restart, from the committed marks")
                .isTrue();
        assertThat(marks.storedAlready(7, RedeliveryMarks.hash("t/a", bytes("21.6")))
                        .join())
                .as("other payload")
                .isFalse();
        assertThat(marks.storedAlready(7, RedeliveryMarks.hash("t/b", bytes("21.5")))
                        .join())
                .as("other topic")
                .isFalse();
        assertThat(marks.storedAlready(8, hash).join()).as("other packet id").isFalse();
        assertThat(new RedeliveryMarks("other-client", sink)
                        .storedAlready(7, hash)
                        .join())
                .as("another bridge's marks")
                .isFalse();
    }

    @Test
    void acked_theIdMayBeReused_sameContentIsStoredAgain() {
        RedeliveryMarks marks = new RedeliveryMarks("c", sink);
        store(marks, sink, 7, hash);
        ack(marks, sink, 7, hash);
        assertThat(marks.storedAlready(7, hash).join()).isFalse();
        assertThat(new RedeliveryMarks("c", sink).storedAlready(7, hash).join()).isFalse();
    }

    @Test
    void storeInFlight_redeliveryWaitsForItsOutcome() {
        RedeliveryMarks marks = new RedeliveryMarks("c", sink);
        Map<String, LanePosition> first = marks.storing(7, hash);
        CompletableFuture<Boolean> redelivered = marks.storedAlready(7, hash);
        assertThat(redelivered).isNotDone();
        marks.stored(7, first, true);
        assertThat(redelivered.join()).isTrue();

        Map<String, LanePosition> second = marks.storing(9, hash);
        CompletableFuture<Boolean> again = marks.storedAlready(9, hash);
        marks.stored(9, second, false); // refused: nothing stored, the redelivery must be stored
        assertThat(again.join()).isFalse();
    }

    @Test
    void freshSessionAtTheBroker_voidsEveryEarlierEntry() {
        RedeliveryMarks marks = new RedeliveryMarks("c", sink);
        store(marks, sink, 7, hash);
        Map<String, LanePosition> fresh = marks.freshSession();
        sink.mark(fresh);
        marks.committed(fresh);
        assertThat(marks.storedAlready(7, hash).join()).isFalse();
        assertThat(new RedeliveryMarks("c", sink).storedAlready(7, hash).join()).isFalse();

        store(marks, sink, 7, hash); // written after the session started: valid
        assertThat(new RedeliveryMarks("c", sink).storedAlready(7, hash).join()).isTrue();
    }

    @Test
    void everyMarkMovesItsMarkerForward_acrossRuns() {
        RedeliveryMarks marks = new RedeliveryMarks("c", sink);
        store(marks, sink, 7, hash);
        ack(marks, sink, 7, hash);
        RedeliveryMarks next = new RedeliveryMarks("c", sink);
        LanePosition before = sink.mark("bridge/c/7");
        Map<String, LanePosition> mark = next.storing(7 + RedeliveryMarks.SLOTS, hash);
        assertThat(mark.get("bridge/c/7").isAfter(before)).isTrue();
    }

    @Test
    void twoIdsInOneSlot_onlyTheLaterIsRecognised_neverAWrongMatch() {
        RedeliveryMarks marks = new RedeliveryMarks("c", sink);
        int other = 7 + RedeliveryMarks.SLOTS;
        store(marks, sink, 7, hash);
        store(marks, sink, other, hash);
        assertThat(marks.storedAlready(other, hash).join()).isTrue();
        assertThat(marks.storedAlready(7, hash).join())
                .as("overwritten: stored again, not lost")
                .isFalse();
    }

    @Test
    void hash_is46Bits_andDependsOnTopicAndPayload() {
        assertThat(hash).isNotNegative().isLessThan(1L << 46);
        assertThat(RedeliveryMarks.hash("t/a", bytes("21.5"))).isEqualTo(hash);
        assertThat(RedeliveryMarks.hash("t/a2", bytes("1.5"))).isNotEqualTo(RedeliveryMarks.hash("t/a", bytes("21.5")));
        assertThat(RedeliveryMarks.hash("", new byte[0])).isNotNegative();
    }
}
