package io.tributary.hub.client;

import io.tributary.protocol.batch.BatchPayloads;
import io.tributary.protocol.v1.Batch;
import io.tributary.protocol.v1.Frame;
import io.tributary.protocol.v1.Record;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A batch of one lane, sent perhaps several times until the hub acknowledges or refuses it. It is encoded at its first
 * send, once the producer holds its epoch grant: records put before the grant carry no epoch until then.
 *
 * <p>Thread rules: the producer's event loop only.
 */
final class SealedBatch {
    final long batchId;
    final String lane;
    final long firstSequence;
    final long lastSequence;
    final List<CompletableFuture<PutResult>> futures;
    final long createdNanos;
    int attempts;
    private final Batch.Builder header;
    private List<Record> records;
    private Frame frame;

    SealedBatch(
            long batchId,
            String lane,
            Batch.Builder header,
            List<Record> records,
            List<CompletableFuture<PutResult>> futures,
            long createdNanos) {
        this.batchId = batchId;
        this.lane = lane;
        this.header = header;
        this.records = records;
        this.firstSequence = records.get(0).getId().getSequence();
        this.lastSequence = records.get(records.size() - 1).getId().getSequence();
        this.futures = futures;
        this.createdNanos = createdNanos;
    }

    /**
     * Declares that records of the lane before this batch were given up (delivery timeout): the hub accepts it even
     * though it does not continue what it stored of the lane.
     */
    void declareGapBefore() {
        header.setGapBefore(true);
        frame = null;
    }

    /** The frame to send, encoded on first use with every record under {@code epoch}. */
    Frame frame(long epoch) {
        if (frame == null) {
            if (records != null) {
                stamp(epoch);
            }
            frame = Frame.newBuilder().setBatch(header.setAgentEpoch(epoch)).build();
        }
        return frame;
    }

    private void stamp(long epoch) {
        Record[] stamped = records.toArray(new Record[0]);
        for (int i = 0; i < stamped.length; i++) {
            if (stamped[i].getId().getAgentEpoch() != epoch) {
                Record.Builder r = stamped[i].toBuilder();
                r.getIdBuilder().setAgentEpoch(epoch);
                stamped[i] = r.build();
            }
        }
        BatchPayloads.Encoded enc = BatchPayloads.encode(List.of(stamped), header.getCodec());
        header.setPayload(enc.payload()).setUncompressedBytes(enc.uncompressedBytes());
        records = null;
    }
}
