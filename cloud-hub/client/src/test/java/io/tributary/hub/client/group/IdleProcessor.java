package io.tributary.hub.client.group;

import io.tributary.hub.client.ConsumerRecord;
import java.util.List;

/** A record processor that does nothing, for tests of the membership and lease protocol. */
final class IdleProcessor implements RecordProcessor {
    @Override
    public void initialize(String shardId, long startSequence) {}

    @Override
    public void processRecords(List<ConsumerRecord> records, Checkpointer checkpointer) {}

    @Override
    public void leaseLost() {}

    @Override
    public void shardEnded(Checkpointer checkpointer) {}

    @Override
    public void shutdownRequested(Checkpointer checkpointer) {}
}
