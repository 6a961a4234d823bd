package io.tributary.hub.ingest;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import io.tributary.protocol.v1.Record;
import io.tributary.protocol.v1.RecordId;
import io.tributary.protocol.v1.RecordList;
import java.io.IOException;

/**
 * Walks the bytes of a {@code RecordList} the way a full parse does and refuses exactly what it refuses — malformed
 * varints, lengths or tags, an end-group tag where none is open, a {@code string} field that is not UTF-8 — without
 * building a {@code Record} per record, and hands each record's id to a {@link Visitor}. The hub checks every batch
 * this way before storing it ({@link BatchValidator}): a full parse allocated a builder, a message and a String per
 * field per record and was the hub's largest CPU cost per record ({@code BatchValidationBench}).
 *
 * <p>Parity with the generated parser, field by field: a known field is read only with its declared wire type (any
 * other wire type is an unknown field and skipped, as the generated code does); unknown fields are skipped with
 * {@link CodedInputStream#skipField}; a message field seen twice merges (the scan keeps its state across the
 * occurrences); {@code string} fields (checked in place by {@link Utf8Check}, no String or ByteString made) ({@code Record} 2, 3, 4, 10, 11, {@code RecordId} 1 and 4, the attribute map's
 * keys and values) must be valid UTF-8. {@code RecordScanTest} holds the scan to the full parse on mutated input.
 *
 * <p>Thread rules: stateless, safe from any thread.
 */
final class RecordScan {
    /**
     * Receives each record's id — its agent id and lane as UTF-8 ranges of {@code bytes} (offset, length) — and
     * returns null when it is right, or what is wrong with it.
     */
    interface Visitor {
        String id(
                int index,
                byte[] bytes,
                int agentAt,
                int agentLength,
                int laneAt,
                int laneLength,
                long agentEpoch,
                long sequence);
    }

    /**
     * What a scan found: the number of records and the visitor's first complaint ({@code refusal} about record {@code
     * refusedIndex}), or null. The scan goes on past a complaint, so that a malformed record later in the list is
     * still found: a malformed list is refused as such first, as with a full parse.
     */
    record Result(int count, String refusal, int refusedIndex) {}

    private static final int RECORDS = tag(RecordList.RECORDS_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
    private static final int ID = tag(Record.ID_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
    private static final int ATTRIBUTES = tag(Record.ATTRIBUTES_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
    private static final int AGENT_ID = tag(RecordId.AGENT_ID_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
    private static final int LANE = tag(RecordId.LANE_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
    private static final int EPOCH = tag(RecordId.AGENT_EPOCH_FIELD_NUMBER, WireFormat.WIRETYPE_VARINT);
    private static final int SEQUENCE = tag(RecordId.SEQUENCE_FIELD_NUMBER, WireFormat.WIRETYPE_VARINT);
    private static final int MAP_KEY = tag(1, WireFormat.WIRETYPE_LENGTH_DELIMITED);
    private static final int MAP_VALUE = tag(2, WireFormat.WIRETYPE_LENGTH_DELIMITED);

    /**
     * Protobuf's default recursion limit: a parse refuses unknown groups nested so deep that they and the messages
     * around them reach it, and the scan (which does not descend with {@code readMessage}) lowers the stream's limit
     * by the message levels a parse would be at.
     */
    private static final int TOP_RECURSION_LIMIT = 100;

    private RecordScan() {}

    private static int tag(int field, int wireType) {
        return (field << 3) | wireType;
    }

    /**
     * Scans {@code plain}, a serialized {@code RecordList}.
     *
     * @throws InvalidProtocolBufferException where a full parse would throw
     */
    static Result scan(byte[] plain, Visitor visitor) throws IOException {
        CodedInputStream in = CodedInputStream.newInstance(plain);
        in.setRecursionLimit(TOP_RECURSION_LIMIT);
        int count = 0;
        String refusal = null;
        int refusedIndex = -1;
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            if (tag != RECORDS) {
                skip(in, tag);
                continue;
            }
            int limit = in.pushLimit(in.readRawVarint32());
            // a full parse reads a Record one message level down: unknown groups inside may nest one level less
            int recursion = in.setRecursionLimit(TOP_RECURSION_LIMIT - 1);
            String wrong = record(in, plain, count, refusal == null ? visitor : null);
            in.setRecursionLimit(recursion);
            in.checkLastTagWas(0);
            in.popLimit(limit);
            if (wrong != null) {
                refusal = wrong;
                refusedIndex = count;
            }
            count++;
        }
        return new Result(count, refusal, refusedIndex);
    }

    /** One Record up to the current limit; the visitor's verdict on its id (none without a visitor). */
    private static String record(CodedInputStream in, byte[] plain, int index, Visitor visitor) throws IOException {
        int agentAt = 0;
        int agentLength = 0;
        int laneAt = 0;
        int laneLength = 0;
        long epoch = 0;
        long sequence = 0;
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            if (tag == ID) {
                int limit = in.pushLimit(in.readRawVarint32());
                in.setRecursionLimit(TOP_RECURSION_LIMIT - 2);
                for (int t = in.readTag(); t != 0; t = in.readTag()) {
                    if (t == AGENT_ID) {
                        agentLength = in.readRawVarint32();
                        agentAt = utf8(in, plain, agentLength);
                    } else if (t == LANE) {
                        laneLength = in.readRawVarint32();
                        laneAt = utf8(in, plain, laneLength);
                    } else if (t == EPOCH) {
                        epoch = in.readUInt64();
                    } else if (t == SEQUENCE) {
                        sequence = in.readUInt64();
                    } else {
                        skip(in, t);
                    }
                }
                in.checkLastTagWas(0);
                in.popLimit(limit);
                in.setRecursionLimit(TOP_RECURSION_LIMIT - 1);
            } else if (tag == ATTRIBUTES) {
                int limit = in.pushLimit(in.readRawVarint32());
                in.setRecursionLimit(TOP_RECURSION_LIMIT - 2);
                for (int t = in.readTag(); t != 0; t = in.readTag()) {
                    if (t == MAP_KEY || t == MAP_VALUE) {
                        utf8(in, plain, in.readRawVarint32());
                    } else {
                        skip(in, t);
                    }
                }
                in.checkLastTagWas(0);
                in.popLimit(limit);
                in.setRecursionLimit(TOP_RECURSION_LIMIT - 1);
            } else if (isString(tag)) {
                utf8(in, plain, in.readRawVarint32());
            } else {
                skip(in, tag);
            }
        }
        return visitor == null
                ? null
                : visitor.id(index, plain, agentAt, agentLength, laneAt, laneLength, epoch, sequence);
    }

    private static boolean isString(int tag) {
        if ((tag & 7) != WireFormat.WIRETYPE_LENGTH_DELIMITED) {
            return false;
        }
        int field = tag >>> 3;
        return field == Record.DEVICE_ID_FIELD_NUMBER
                || field == Record.DEVICE_GROUP_FIELD_NUMBER
                || field == Record.METRIC_FIELD_NUMBER
                || field == Record.PARTITION_KEY_FIELD_NUMBER
                || field == Record.TOPIC_FIELD_NUMBER;
    }

    /** Checks the {@code length} bytes at the read position as UTF-8 in place, skips them, returns where they were. */
    private static int utf8(CodedInputStream in, byte[] plain, int length) throws IOException {
        int at = in.getTotalBytesRead();
        if (length < 0 || length > plain.length - at) {
            in.skipRawBytes(length); // throws as the parse does: negative size or truncated message
        }
        if (!Utf8Check.isValid(plain, at, at + length)) {
            throw new InvalidProtocolBufferException("Protocol message had invalid UTF-8.");
        }
        in.skipRawBytes(length);
        return at;
    }

    /** Skips an unknown field; an end-group tag with no group open ends the message where a parse refuses it. */
    private static void skip(CodedInputStream in, int tag) throws IOException {
        if (!in.skipField(tag)) {
            throw new InvalidProtocolBufferException("Protocol message end-group tag did not match expected tag.");
        }
    }
}
