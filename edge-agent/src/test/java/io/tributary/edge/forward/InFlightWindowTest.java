package io.tributary.edge.forward;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.edge.buffer.LanePosition;
import io.tributary.protocol.v1.Frame;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class InFlightWindowTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final ForwarderMetrics metrics = new ForwarderMetrics(registry);
    private final InFlightWindow window = new InFlightWindow(metrics);
    private final LaneState lane = new LaneState("a", LanePosition.BEFORE_FIRST, ForwarderConfig.defaults("s"));

    @AfterEach
    void tearDown() {
        metrics.close();
    }

    private OutboundBatch send(long id, long lastSequence) {
        OutboundBatch b = new OutboundBatch(
                id, "a", new LanePosition(1, lastSequence), 10, 1_000, Frame.getDefaultInstance(), System.nanoTime());
        window.add(lane, b);
        return b;
    }

    @Test
    void acknowledge_laterBatchFirst_releasesOnlyOnceThePrefixIsAcknowledged() {
        OutboundBatch first = send(1, 9);
        OutboundBatch second = send(2, 19);
        assertThat(metrics.inFlight.get()).isEqualTo(2);
        assertThat(window.bytes()).isEqualTo(2_000);

        assertThat(window.acknowledge(lane, window.remove(second.batchId))).isNull();
        assertThat(window.acknowledge(lane, window.remove(first.batchId))).isEqualTo(new LanePosition(1, 19));

        assertThat(lane.inFlight).isEmpty();
        assertThat(window.size()).isZero();
        assertThat(window.bytes()).isZero();
        assertThat(metrics.inFlight.get()).isZero();
        assertThat(metrics.records.count()).isEqualTo(20);
        assertThat(metrics.batches.count()).isEqualTo(2);
    }

    @Test
    void abandon_lane_laterAnswersAreNotInTheWindow() {
        send(1, 9);
        send(2, 19);

        window.abandon(lane);

        assertThat(window.remove(1)).isNull();
        assertThat(window.remove(2)).isNull();
        assertThat(lane.inFlight).isEmpty();
        assertThat(window.bytes()).isZero();
        assertThat(metrics.inFlight.get()).isZero();
    }
}
