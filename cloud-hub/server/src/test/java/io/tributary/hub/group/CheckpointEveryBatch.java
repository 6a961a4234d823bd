package io.tributary.hub.group;

import io.tributary.hub.client.ConsumerRecord;
import io.tributary.hub.client.group.Checkpointer;
import io.tributary.hub.client.group.RecordProcessor;
import java.util.List;

/**
 * A group member's processor for tests that need a group with checkpoints and lag (the console, the metrics
 * reference): checkpoints every batch it is given, and at the end of a shard and at shutdown. One per lease.
 */
public final class CheckpointEveryBatch implements RecordProcessor {
    @Override
    public void initialize(String shardId, long startSequence) {}

    @Override
    public void processRecords(List<ConsumerRecord> records, Checkpointer checkpointer) {
        checkpointer.checkpoint();
    }

    @Override
    public void leaseLost() {}

    @Override
    public void shardEnded(Checkpointer checkpointer) {
        checkpointer.checkpoint();
    }

    @Override
    public void shutdownRequested(Checkpointer checkpointer) {
        checkpointer.checkpoint();
    }
}
