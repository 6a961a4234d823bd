package io.tributary.edge.buffer;

import com.google.protobuf.CodedOutputStream;
import io.tributary.protocol.v1.Record;
import io.tributary.protocol.v1.RecordId;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;

/**
 * Gives a pending record its id by appending fields to its serialized body instead of rebuilding the message: protobuf
 * parsers merge a message field that appears later and take the last value of a scalar, so
 * {@code body bytes + id field (+ edge_receive_time_ms field)} parses as the body with that id (and time). The body
 * must not carry an id of its own (merged, its set fields would survive); one that does is rebuilt without it first.
 * The id's agent and lane fields are encoded once per lane and reused.
 *
 * <p>Thread rules: writer thread only (it caches per lane).
 */
final class RecordEncoder {

    private static final int ID_TAG = (Record.ID_FIELD_NUMBER << 3) | 2;
    private static final int RECEIVE_TIME_TAG = Record.EDGE_RECEIVE_TIME_MS_FIELD_NUMBER << 3;
    private static final int EPOCH_TAG = RecordId.AGENT_EPOCH_FIELD_NUMBER << 3;
    private static final int SEQUENCE_TAG = RecordId.SEQUENCE_FIELD_NUMBER << 3;

    private final String agentId;
    private final long epoch;
    private final Map<String, byte[]> agentAndLane = new HashMap<>();

    RecordEncoder(String agentId, long epoch) {
        this.agentId = agentId;
        this.epoch = epoch;
    }

    /** The record's stored form with id (agent, epoch, lane, sequence); receive time {@code nowMs} if it had none. */
    EncodedRecord encode(PendingRecord p, long sequence, long nowMs) {
        Record body = p.body().hasId() ? p.body().toBuilder().clearId().build() : p.body();
        byte[] fixed = agentAndLane.computeIfAbsent(p.lane(), this::agentAndLaneFields);
        int idSize = fixed.length
                + 1
                + CodedOutputStream.computeUInt64SizeNoTag(epoch)
                + 1
                + CodedOutputStream.computeUInt64SizeNoTag(sequence);
        long receiveTime = body.getEdgeReceiveTimeMs();
        boolean stampTime = receiveTime == 0;
        if (stampTime) {
            receiveTime = nowMs;
        }
        int bodySize = body.getSerializedSize();
        int size = bodySize
                + 1
                + CodedOutputStream.computeUInt32SizeNoTag(idSize)
                + idSize
                + (stampTime ? 1 + CodedOutputStream.computeInt64SizeNoTag(nowMs) : 0);
        byte[] out = new byte[size];
        CodedOutputStream o = CodedOutputStream.newInstance(out);
        try {
            body.writeTo(o);
            o.writeUInt32NoTag(ID_TAG);
            o.writeUInt32NoTag(idSize);
            o.writeRawBytes(fixed);
            o.writeUInt32NoTag(EPOCH_TAG);
            o.writeUInt64NoTag(epoch);
            o.writeUInt32NoTag(SEQUENCE_TAG);
            o.writeUInt64NoTag(sequence);
            if (stampTime) {
                o.writeUInt32NoTag(RECEIVE_TIME_TAG);
                o.writeInt64NoTag(nowMs);
            }
            o.checkNoSpaceLeft();
        } catch (IOException e) {
            throw new UncheckedIOException("record size miscomputed", e);
        }
        long expireAt = p.ttl().isZero() ? StoredRecord.NEVER : nowMs + p.ttl().toMillis();
        return new EncodedRecord(out, new LanePosition(epoch, sequence), receiveTime, expireAt);
    }

    private byte[] agentAndLaneFields(String lane) {
        return RecordId.newBuilder().setAgentId(agentId).setLane(lane).build().toByteArray();
    }
}
