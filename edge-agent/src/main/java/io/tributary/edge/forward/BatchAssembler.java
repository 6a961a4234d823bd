package io.tributary.edge.forward;

import io.tributary.edge.buffer.LanePosition;
import io.tributary.edge.buffer.RawRecord;
import io.tributary.protocol.Epochs;
import io.tributary.protocol.batch.BatchPayloads;
import io.tributary.protocol.v1.Batch;
import io.tributary.protocol.v1.Codec;
import io.tributary.protocol.v1.RecordId;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns records read from one lane into the longest leading run the hub accepts as one {@link Batch}: one epoch,
 * gap-free sequences, one partition key. Old-epoch records therefore go in batches of their own, with their original
 * ids. Records stay the bytes the buffer stored ({@link RawRecord}): a batch is assembled without parsing them.
 *
 * <p>Stateless and thread-safe.
 */
final class BatchAssembler {

    /**
     * The leading run of a read.
     *
     * @param records the records of the batch, in lane order (a prefix of the read)
     * @param partitionKey their shared partition key
     * @param cut true when records were left behind because the run ended (epoch, gap or key change): the batch is
     *     as full as it will get and need not linger
     */
    record Run(List<RawRecord> records, String partitionKey, boolean cut) {
        RawRecord first() {
            return records.get(0);
        }

        RawRecord last() {
            return records.get(records.size() - 1);
        }
    }

    private BatchAssembler() {}

    /** The partition key of a record: its explicit key, else its group (or {@code group/device}). */
    static String partitionKey(RawRecord r, boolean byDevice) {
        if (!r.partitionKey().isEmpty()) {
            return r.partitionKey();
        }
        return byDevice ? r.deviceGroup() + "/" + r.deviceId() : r.deviceGroup();
    }

    /** The leading run of {@code read}, which must not be empty. */
    static Run leadingRun(List<RawRecord> read, boolean byDevice) {
        RawRecord first = read.get(0);
        String key = partitionKey(first, byDevice);
        List<RawRecord> out = new ArrayList<>(read.size());
        out.add(first);
        long epoch = first.position().epoch();
        long next = first.position().sequence() + 1;
        for (int i = 1; i < read.size(); i++) {
            RawRecord r = read.get(i);
            if (r.position().epoch() != epoch
                    || r.position().sequence() != next
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
        LanePosition first = run.first().position();
        if (first.sequence() == 0) {
            return false;
        }
        return previous.epoch() != first.epoch() || previous.sequence() + 1 != first.sequence();
    }

    /** Whether the run is of another epoch than the last position sent in its lane (a new producer to the hub). */
    static boolean startsEpoch(LanePosition previous, Run run) {
        return previous.epoch() != run.first().position().epoch();
    }

    /**
     * Encodes a run of the lane as a batch; the caller sets the batch id. Records stored before the buffer held an epoch
     * grant carry the opening number alone as their epoch (below 2^32): they are sent under {@code grant +} it, their
     * ids rewritten on the way ({@link BatchPayloads#encodeSerialized(List, List, Codec)}).
     */
    static Batch.Builder encode(Run run, String lane, String stream, Codec codec, String agentId, long grant) {
        List<ByteBuffer> bytes = new ArrayList<>(run.records().size());
        for (RawRecord r : run.records()) {
            bytes.add(r.bytes());
        }
        long epoch = run.first().position().epoch();
        List<RecordId> ids = null;
        if (epoch < Epochs.UNIT) { // stamped before the buffer held a grant
            epoch += grant;
            ids = new ArrayList<>(run.records().size());
            for (RawRecord r : run.records()) {
                ids.add(RecordId.newBuilder()
                        .setAgentId(agentId)
                        .setAgentEpoch(epoch)
                        .setSequence(r.position().sequence())
                        .setLane(lane)
                        .build());
            }
        }
        BatchPayloads.Encoded enc = BatchPayloads.encodeSerialized(bytes, ids, codec);
        return Batch.newBuilder()
                .setStream(stream)
                .setPartitionKey(run.partitionKey())
                .setCodec(codec)
                .setPayload(enc.payload())
                .setRecordCount(run.records().size())
                .setUncompressedBytes(enc.uncompressedBytes())
                .setFirstSequence(run.first().position().sequence())
                .setLastSequence(run.last().position().sequence())
                .setLane(lane)
                .setAgentEpoch(epoch)
                .setFirstEventTimeMs(run.first().eventTimeMs())
                .setLastEventTimeMs(run.last().eventTimeMs());
    }
}
