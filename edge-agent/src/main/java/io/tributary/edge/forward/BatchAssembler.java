package io.tributary.edge.forward;

import io.tributary.edge.buffer.BufferedRecord;
import io.tributary.edge.buffer.LanePosition;
import io.tributary.protocol.batch.BatchPayloads;
import io.tributary.protocol.v1.Batch;
import io.tributary.protocol.v1.Codec;
import io.tributary.protocol.v1.Record;
import io.tributary.protocol.v1.RecordId;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns records read from one lane into the longest leading run the hub accepts as one {@link Batch}: one epoch,
 * gap-free sequences, one partition key. Old-epoch records therefore go in batches of their own, with their original
 * ids.
 *
 * <p>Stateless and thread-safe.
 */
final class BatchAssembler {

    /**
     * The leading run of a read.
     *
     * @param records the records of the batch, in lane order
     * @param partitionKey their shared partition key
     * @param cut true when records were left behind because the run ended (epoch, gap or key change): the batch is
     *     as full as it will get and need not linger
     */
    record Run(List<Record> records, String partitionKey, boolean cut) {}

    private BatchAssembler() {}

    /** The partition key of a record: its explicit key, else its group (or {@code group/device}). */
    static String partitionKey(Record r, boolean byDevice) {
        if (!r.getPartitionKey().isEmpty()) {
            return r.getPartitionKey();
        }
        return byDevice ? r.getDeviceGroup() + "/" + r.getDeviceId() : r.getDeviceGroup();
    }

    /** The leading run of {@code read}, which must not be empty. */
    static Run leadingRun(List<BufferedRecord> read, boolean byDevice) {
        Record first = read.get(0).record();
        String key = partitionKey(first, byDevice);
        List<Record> out = new ArrayList<>(read.size());
        out.add(first);
        long epoch = first.getId().getAgentEpoch();
        long next = first.getId().getSequence() + 1;
        for (int i = 1; i < read.size(); i++) {
            Record r = read.get(i).record();
            if (r.getId().getAgentEpoch() != epoch
                    || r.getId().getSequence() != next
                    || !partitionKey(r, byDevice).equals(key)) {
                return new Run(out, key, true);
            }
            out.add(r);
            next++;
        }
        return new Run(out, key, false);
    }

    /**
     * Whether records of the run's lane and epoch were removed locally (quota policy, expiry) between the last
     * position sent and the run: then the hub must accept the run although it does not continue the lane.
     */
    static boolean followsGap(LanePosition previous, Run run) {
        RecordId first = run.records().get(0).getId();
        if (first.getSequence() == 0) {
            return false;
        }
        return previous.epoch() != first.getAgentEpoch() || previous.sequence() + 1 != first.getSequence();
    }

    /** Whether the run is of another epoch than the last position sent in its lane (a new producer to the hub). */
    static boolean startsEpoch(LanePosition previous, Run run) {
        return previous.epoch() != run.records().get(0).getId().getAgentEpoch();
    }

    /** Encodes a run as a batch; the caller sets the batch id. */
    static Batch.Builder encode(Run run, String stream, Codec codec) {
        List<Record> records = run.records();
        Record first = records.get(0);
        Record last = records.get(records.size() - 1);
        BatchPayloads.Encoded enc = BatchPayloads.encode(records, codec);
        return Batch.newBuilder()
                .setStream(stream)
                .setPartitionKey(run.partitionKey())
                .setCodec(codec)
                .setPayload(enc.payload())
                .setRecordCount(records.size())
                .setUncompressedBytes(enc.uncompressedBytes())
                .setFirstSequence(first.getId().getSequence())
                .setLastSequence(last.getId().getSequence())
                .setLane(first.getId().getLane())
                .setAgentEpoch(first.getId().getAgentEpoch())
                .setFirstEventTimeMs(first.getEventTimeMs())
                .setLastEventTimeMs(last.getEventTimeMs());
    }
}
