package io.tributary.hub.client;

import io.netty.util.concurrent.ScheduledFuture;
import io.tributary.protocol.batch.BatchPayloads;
import io.tributary.protocol.v1.Batch;
import io.tributary.protocol.v1.Frame;
import io.tributary.protocol.v1.Record;
import io.tributary.protocol.v1.RecordId;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One partition key of a {@link Producer}: its gap-free sequence and the records waiting to become the next batch.
 *
 * <p>Thread rules: the producer's event loop only.
 */
final class ProducerLane {
    private final String key;
    private final String producerId;
    private final long epoch;
    private final ProducerOptions options;
    private final List<Record> records = new ArrayList<>();
    private final List<CompletableFuture<PutResult>> futures = new ArrayList<>();
    private long nextSequence;
    private int bytes;
    /** The pending linger flush, if one is scheduled. */
    ScheduledFuture<?> lingerTimer;

    ProducerLane(String key, String producerId, long epoch, ProducerOptions options) {
        this.key = key;
        this.producerId = producerId;
        this.epoch = epoch;
        this.options = options;
    }

    /** Gives the record the lane's next id and queues it; true when the waiting records make a full batch. */
    boolean add(Record.Builder record, CompletableFuture<PutResult> future) {
        record.setId(RecordId.newBuilder()
                .setAgentId(producerId)
                .setAgentEpoch(epoch)
                .setLane(key)
                .setSequence(nextSequence++));
        Record built = record.build();
        records.add(built);
        futures.add(future);
        bytes += built.getSerializedSize();
        return records.size() >= options.maxBatchRecords() || bytes >= options.maxBatchBytes();
    }

    boolean isEmpty() {
        return records.isEmpty();
    }

    /** Encodes the waiting records as batch {@code batchId} and empties the lane; null when nothing waits. */
    SealedBatch seal(long batchId) {
        if (lingerTimer != null) {
            lingerTimer.cancel(false);
            lingerTimer = null;
        }
        if (records.isEmpty()) {
            return null;
        }
        BatchPayloads.Encoded enc = BatchPayloads.encode(records, options.codec());
        Record first = records.get(0);
        Record last = records.get(records.size() - 1);
        Frame frame = Frame.newBuilder()
                .setBatch(Batch.newBuilder()
                        .setBatchId(batchId)
                        .setStream(options.stream())
                        .setPartitionKey(key)
                        .setCodec(options.codec())
                        .setPayload(enc.payload())
                        .setRecordCount(records.size())
                        .setUncompressedBytes(enc.uncompressedBytes())
                        .setFirstSequence(first.getId().getSequence())
                        .setLastSequence(last.getId().getSequence())
                        .setLane(key)
                        .setAgentEpoch(epoch)
                        .setFirstEventTimeMs(first.getEventTimeMs())
                        .setLastEventTimeMs(last.getEventTimeMs()))
                .build();
        SealedBatch sealed = new SealedBatch(batchId, key, frame, List.copyOf(futures), System.nanoTime());
        records.clear();
        futures.clear();
        bytes = 0;
        return sealed;
    }
}
