package io.tributary.hub.ingest;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import io.tributary.protocol.batch.BatchFormatException;
import io.tributary.protocol.batch.BatchPayloads;
import io.tributary.protocol.batch.BatchTooLargeException;
import io.tributary.protocol.v1.Batch;
import io.tributary.protocol.v1.NackReason;
import io.tributary.protocol.v1.Record;
import io.tributary.protocol.v1.RecordId;
import io.tributary.protocol.v1.RecordList;
import java.io.IOException;
import java.util.List;

/**
 * Checks a batch's payload against its header before the hub stores it, so that every stored batch decodes for every
 * reader: the payload inflates under its codec within the limit, to exactly {@code uncompressed_bytes}; it parses as a
 * {@code RecordList} (fully, as a reader parses it: a record that only a full parse rejects, such as a string that is
 * not UTF-8, would stop readers too); it holds {@code record_count} records; and record {@code i} has the id
 * {@code (connection's agent id, batch lane, batch agent_epoch, first_sequence + i)}.
 *
 * <p>Costs CPU in proportion to the inflated size (see {@code docs/operations.md}), so it runs on the hub's worker
 * executor, never on an event loop. Thread rules: stateless, safe from any thread.
 */
final class BatchValidator {
    /** Why a batch is refused: the Nack's reason and message. */
    record Refusal(NackReason reason, String message) {}

    private final int maxUncompressedBytes;

    BatchValidator(int maxUncompressedBytes) {
        this.maxUncompressedBytes = maxUncompressedBytes;
    }

    /** The refusal of {@code b} sent by {@code agentId}, or null when it may be stored. */
    Refusal check(String agentId, Batch b) {
        byte[] plain;
        try {
            plain = BatchPayloads.decompress(b.getPayload(), b.getCodec(), maxUncompressedBytes);
        } catch (BatchTooLargeException e) {
            return new Refusal(NackReason.NACK_REASON_INFLATE_LIMIT, e.getMessage());
        } catch (BatchFormatException e) {
            return new Refusal(NackReason.NACK_REASON_MALFORMED_PAYLOAD, e.getMessage());
        }
        if (plain.length != b.getUncompressedBytes()) {
            return new Refusal(
                    NackReason.NACK_REASON_MALFORMED_PAYLOAD,
                    "payload inflates to " + plain.length + " bytes, uncompressed_bytes says "
                            + b.getUncompressedBytes());
        }
        List<Record> records;
        try {
            CodedInputStream in = CodedInputStream.newInstance(plain);
            // Payload bytes are views of `plain`, not copies: only the ids are looked at.
            in.enableAliasing(true);
            records = RecordList.parseFrom(in).getRecordsList();
        } catch (InvalidProtocolBufferException e) {
            return new Refusal(NackReason.NACK_REASON_MALFORMED_PAYLOAD, "corrupt record list: " + e.getMessage());
        } catch (IOException e) {
            return new Refusal(NackReason.NACK_REASON_MALFORMED_PAYLOAD, "corrupt record list: " + e);
        }
        if (records.size() != b.getRecordCount()) {
            return new Refusal(
                    NackReason.NACK_REASON_RECORD_COUNT_MISMATCH,
                    "record_count says " + b.getRecordCount() + ", payload holds " + records.size() + " records");
        }
        for (int i = 0; i < records.size(); i++) {
            String outside = outsideRun(records.get(i).getId(), agentId, b, b.getFirstSequence() + i);
            if (outside != null) {
                return new Refusal(NackReason.NACK_REASON_ID_OUTSIDE_RUN, "record " + i + ": " + outside);
            }
        }
        return null;
    }

    private static String outsideRun(RecordId id, String agentId, Batch b, long sequence) {
        if (!id.getAgentId().equals(agentId)) {
            return "agent_id '" + id.getAgentId() + "' is not the connection's '" + agentId + "'";
        }
        if (!id.getLane().equals(b.getLane())) {
            return "lane '" + id.getLane() + "' is not the batch's '" + b.getLane() + "'";
        }
        if (id.getAgentEpoch() != b.getAgentEpoch()) {
            return "agent_epoch " + id.getAgentEpoch() + " is not the batch's " + b.getAgentEpoch();
        }
        if (id.getSequence() != sequence) {
            return "sequence " + id.getSequence() + ", expected " + sequence + " (run " + b.getFirstSequence() + ".."
                    + b.getLastSequence() + ")";
        }
        return null;
    }
}
