package io.tributary.hub.store;

import java.util.List;

/**
 * Batches returned by {@link ShardStore#read}. The first batch contains the requested sequence (reads have batch
 * granularity, so it may start below it: the reader skips records below its position).
 *
 * @param batches the batches, in sequence order; empty when the reader is at the end of the shard
 * @param nextSequence where the next read should start (the end of the last batch, or the requested sequence when
 *     nothing was returned)
 * @param highWaterMark sequence after the last durable record at the time of the read
 */
public record ReadResult(List<StoredBatch> batches, long nextSequence, long highWaterMark) {
    public ReadResult {
        batches = List.copyOf(batches);
    }

    /** Total records in the returned batches, including any below the requested sequence. */
    public int recordCount() {
        int n = 0;
        for (StoredBatch b : batches) {
            n += b.recordCount();
        }
        return n;
    }
}
