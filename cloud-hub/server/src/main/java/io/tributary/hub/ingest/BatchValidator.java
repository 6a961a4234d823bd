package io.tributary.hub.ingest;

import com.google.protobuf.InvalidProtocolBufferException;
import io.tributary.protocol.batch.BatchFormatException;
import io.tributary.protocol.batch.BatchPayloads;
import io.tributary.protocol.batch.BatchTooLargeException;
import io.tributary.protocol.v1.Batch;
import io.tributary.protocol.v1.NackReason;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Checks a batch's payload against its header before the hub stores it, so that every stored batch decodes for every
 * reader: the payload inflates under its codec within the limit, to exactly {@code uncompressed_bytes}; it parses as a
 * {@code RecordList} (refusing all a reader's full parse refuses, such as a string that is not UTF-8, which would stop
 * readers too — {@link RecordScan} does that without building the records); it holds {@code record_count} records; and record {@code i} has the id
 * {@code (connection's agent id, batch lane, batch agent_epoch, first_sequence + i)}.
 *
 * <p>Costs CPU in proportion to the inflated size (see {@code docs/operations.md}), so it runs on the hub's worker
 * executor, never on an event loop. Thread rules: stateless, safe from any thread. Public for its JMH benchmark
 * ({@code io.tributary.bench.jmh.BatchValidationBench}); the hub's own use is {@link BatchIngest}.
 */
public final class BatchValidator {
    /** Why a batch is refused: the Nack's reason and message. */
    public record Refusal(NackReason reason, String message) {}

    private final int maxUncompressedBytes;

    /** @param maxUncompressedBytes the largest payload a batch may inflate to */
    public BatchValidator(int maxUncompressedBytes) {
        this.maxUncompressedBytes = maxUncompressedBytes;
    }

    /** The refusal of {@code b} sent by {@code agentId}, or null when it may be stored. */
    public Refusal check(String agentId, Batch b) {
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
        byte[] agent = agentId.getBytes(StandardCharsets.UTF_8);
        byte[] lane = b.getLane().getBytes(StandardCharsets.UTF_8);
        RecordScan.Result scanned;
        try {
            scanned = RecordScan.scan(plain, (i, bytes, agentAt, agentLength, laneAt, laneLength, epoch, sequence) -> {
                long expected = b.getFirstSequence() + i;
                if (Arrays.equals(bytes, agentAt, agentAt + agentLength, agent, 0, agent.length)
                        && Arrays.equals(bytes, laneAt, laneAt + laneLength, lane, 0, lane.length)
                        && epoch == b.getAgentEpoch()
                        && sequence == expected) {
                    return null; // the common case, without a String made
                }
                return outsideRun(
                        new String(bytes, agentAt, agentLength, StandardCharsets.UTF_8),
                        new String(bytes, laneAt, laneLength, StandardCharsets.UTF_8),
                        epoch,
                        sequence,
                        agentId,
                        b,
                        expected);
            });
        } catch (InvalidProtocolBufferException e) {
            return new Refusal(NackReason.NACK_REASON_MALFORMED_PAYLOAD, "corrupt record list: " + e.getMessage());
        } catch (IOException e) {
            return new Refusal(NackReason.NACK_REASON_MALFORMED_PAYLOAD, "corrupt record list: " + e);
        }
        if (scanned.count() != b.getRecordCount()) {
            return new Refusal(
                    NackReason.NACK_REASON_RECORD_COUNT_MISMATCH,
                    "record_count says " + b.getRecordCount() + ", payload holds " + scanned.count() + " records");
        }
        if (scanned.refusal() != null) {
            return new Refusal(
                    NackReason.NACK_REASON_ID_OUTSIDE_RUN,
                    "record " + scanned.refusedIndex() + ": " + scanned.refusal());
        }
        return null;
    }

    private static String outsideRun(
            String idAgent, String idLane, long epoch, long sequence, String agentId, Batch b, long expected) {
        if (!idAgent.equals(agentId)) {
            return "agent_id '" + idAgent + "' is not the connection's '" + agentId + "'";
        }
        if (!idLane.equals(b.getLane())) {
            return "lane '" + idLane + "' is not the batch's '" + b.getLane() + "'";
        }
        if (epoch != b.getAgentEpoch()) {
            return "agent_epoch " + epoch + " is not the batch's " + b.getAgentEpoch();
        }
        if (sequence != expected) {
            return "sequence " + sequence + ", expected " + expected + " (run " + b.getFirstSequence() + ".."
                    + b.getLastSequence() + ")";
        }
        return null;
    }
}
