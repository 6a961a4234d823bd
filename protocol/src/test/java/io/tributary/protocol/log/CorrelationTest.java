package io.tributary.protocol.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.protocol.v1.Batch;
import io.tributary.protocol.v1.BatchAck;
import org.junit.jupiter.api.Test;

class CorrelationTest {
    private final Batch batch = Batch.newBuilder()
            .setBatchId(9)
            .setStream("telemetry")
            .setLane("plant-1")
            .setAgentEpoch(3)
            .setFirstSequence(100)
            .setLastSequence(102)
            .setRecordCount(3)
            .build();

    @Test
    void batch_namesTheRecordIdsTheEdgeGave() {
        assertThat(Correlation.batch("gateway-17", batch))
                .containsExactly(
                        java.util.Map.entry("agent", "gateway-17"),
                        java.util.Map.entry("epoch", 3L),
                        java.util.Map.entry("lane", "plant-1"),
                        java.util.Map.entry("seq", "100..102"),
                        java.util.Map.entry("stream", "telemetry"));
    }

    @Test
    void stored_addsShardAndTheShardSequenceRange_skippingDuplicates() {
        BatchAck ack = BatchAck.newBuilder()
                .setBatchId(9)
                .addShards("shard-000002")
                .addSequence(-1)
                .addSequence(5000)
                .addSequence(5001)
                .setDuplicates(1)
                .build();

        assertThat(Correlation.stored("gateway-17", batch, ack))
                .containsEntry("shard", "shard-000002")
                .containsEntry("shard_seq", "5000..5001")
                .containsEntry("seq", "100..102");
    }

    @Test
    void stored_allDuplicates_saysSo() {
        BatchAck ack =
                BatchAck.newBuilder().addShards("shard-000000").addSequence(-1).build();

        assertThat(Correlation.stored("a", batch, ack)).containsEntry("shard_seq", "duplicate");
    }
}
