package io.tributary.hub.client.group;

import io.tributary.hub.client.ConsumerRecord;
import java.util.List;

/**
 * Processes the records of one shard for a {@link GroupConsumer}, in the spirit of the Kinesis Client Library. One
 * instance per shard lease; all calls for one instance come from one thread, in this order: {@link #initialize}, any
 * number of {@link #processRecords}, then exactly one of {@link #leaseLost}, {@link #shardEnded} or {@link
 * #shutdownRequested}.
 *
 * <p>Checkpoint contract: a checkpoint says "everything up to and including this sequence is processed". After a
 * crash or a lease move, the next owner starts right after the last accepted checkpoint, so records after it may be
 * processed again (at least once). A checkpoint from a member that no longer holds the lease is refused ({@link
 * CheckpointRefusedException}). In {@link #shardEnded} the processor must call {@link Checkpointer#checkpoint()}:
 * only then does the group move on to the shard's children.
 */
public interface RecordProcessor {
    /**
     * @param shardId the leased shard
     * @param startSequence the first sequence that will be delivered, or -1 when reading from the oldest record
     */
    void initialize(String shardId, long startSequence);

    void processRecords(List<ConsumerRecord> records, Checkpointer checkpointer);

    /** The lease moved to another member: stop; checkpointing is no longer possible. */
    void leaseLost();

    /** Every record of the closed shard was delivered; checkpoint to let the group read the children. */
    void shardEnded(Checkpointer checkpointer);

    /** The consumer is shutting down: a last chance to checkpoint. */
    void shutdownRequested(Checkpointer checkpointer);
}
