package io.tributary.hub.group;

import io.tributary.hub.client.ConsumerRecord;
import io.tributary.hub.client.group.Checkpointer;
import io.tributary.hub.client.group.RecordProcessor;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * A group member's processor for tests that need a group with checkpoints and lag (the console, the metrics
 * reference, the soak run): checkpoints every batch it is given, and at the end of a shard and at shutdown, and
 * counts the records it was given. One per lease.
 */
public final class CheckpointEveryBatch implements RecordProcessor {
    private final LongAdder processed;

    public CheckpointEveryBatch() {
        this(new LongAdder());
    }

    /** Adds every record it is given to {@code processed} (shared by the member's processors). */
    public CheckpointEveryBatch(LongAdder processed) {
        this.processed = processed;
    }

    @Override
    public void initialize(String shardId, long startSequence) {}

    @Override
    public void processRecords(List<ConsumerRecord> records, Checkpointer checkpointer) {
        processed.add(records.size());
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
