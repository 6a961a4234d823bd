package io.tributary.hub.client;

import io.netty.util.concurrent.ScheduledFuture;
import io.tributary.protocol.v1.Batch;
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
    private final ProducerOptions options;
    private final List<Record> records = new ArrayList<>();
    private final List<CompletableFuture<PutResult>> futures = new ArrayList<>();
    private long nextSequence;
    private int bytes;
    private boolean gapPending;
    /** The pending linger flush, if one is scheduled. */
    ScheduledFuture<?> lingerTimer;

    ProducerLane(String key, String producerId, ProducerOptions options) {
        this.key = key;
        this.producerId = producerId;
        this.options = options;
    }

    /**
     * Gives the record the lane's next id (under {@code epoch}, the producer's grant, or none yet when 0) and queues
     * it; true when the waiting records make a full batch.
     */
    boolean add(Record.Builder record, CompletableFuture<PutResult> future, long epoch) {
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

    /** The next batch sealed from this lane follows records that were given up: it declares the gap. */
    void declareGap() {
        gapPending = true;
    }

    /** Takes the waiting records as batch {@code batchId} (encoded at its first send); null when nothing waits. */
    SealedBatch seal(long batchId) {
        if (lingerTimer != null) {
            lingerTimer.cancel(false);
            lingerTimer = null;
        }
        if (records.isEmpty()) {
            return null;
        }
        Record first = records.get(0);
        Record last = records.get(records.size() - 1);
        Batch.Builder header = Batch.newBuilder()
                .setBatchId(batchId)
                .setStream(options.stream())
                .setPartitionKey(key)
                .setCodec(options.codec())
                .setRecordCount(records.size())
                .setFirstSequence(first.getId().getSequence())
                .setLastSequence(last.getId().getSequence())
                .setLane(key)
                .setFirstEventTimeMs(first.getEventTimeMs())
                .setLastEventTimeMs(last.getEventTimeMs())
                .setGapBefore(gapPending);
        gapPending = false;
        SealedBatch sealed =
                new SealedBatch(batchId, key, header, List.copyOf(records), List.copyOf(futures), System.nanoTime());
        records.clear();
        futures.clear();
        bytes = 0;
        return sealed;
    }
}
