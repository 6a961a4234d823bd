package io.tributary.edge.buffer;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import io.tributary.protocol.v1.Record;
import io.tributary.protocol.v1.RecordId;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A record read back from the buffer as its protobuf bytes, for forwarding without parsing it: the bytes go into a
 * batch as they are ({@code BatchPayloads.encodeSerialized}), and the few fields a batch needs were read by one scan
 * that skips everything else (payload, attributes, topic).
 *
 * <p>Immutable view of a chunk read for this call; thread-safe.
 */
public final class RawRecord {

    private final byte[] array;
    private final int offset;
    private final int length;
    private final LanePosition position;
    private final long eventTimeMs;
    private final long edgeReceiveTimeMs;
    private final String deviceGroup;
    private final String deviceId;
    private final String partitionKey;

    private RawRecord(
            byte[] array,
            int offset,
            int length,
            LanePosition position,
            long eventTimeMs,
            long edgeReceiveTimeMs,
            String deviceGroup,
            String deviceId,
            String partitionKey) {
        this.edgeReceiveTimeMs = edgeReceiveTimeMs;
        this.array = array;
        this.offset = offset;
        this.length = length;
        this.position = position;
        this.eventTimeMs = eventTimeMs;
        this.deviceGroup = deviceGroup;
        this.deviceId = deviceId;
        this.partitionKey = partitionKey;
    }

    /**
     * Scans the record encoded at {@code array[offset, offset+length)}. Repeated fields of the same number resolve as a
     * protobuf parser would: the last value of a scalar wins, message fields merge.
     *
     * @throws ChunkCodec.CorruptChunkException when the bytes are not a record
     */
    static RawRecord scan(byte[] array, int offset, int length) {
        CodedInputStream in = CodedInputStream.newInstance(array, offset, length);
        long epoch = 0;
        long sequence = 0;
        long eventTime = 0;
        long receiveTime = 0;
        String group = "";
        String device = "";
        String key = "";
        try {
            for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
                switch (tag) {
                    case (Record.ID_FIELD_NUMBER << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED -> {
                        int limit = in.pushLimit(in.readRawVarint32());
                        for (int t = in.readTag(); t != 0; t = in.readTag()) {
                            if (t == RecordId.AGENT_EPOCH_FIELD_NUMBER << 3) {
                                epoch = in.readUInt64();
                            } else if (t == RecordId.SEQUENCE_FIELD_NUMBER << 3) {
                                sequence = in.readUInt64();
                            } else if (!in.skipField(t)) {
                                break;
                            }
                        }
                        in.popLimit(limit);
                    }
                    case Record.EVENT_TIME_MS_FIELD_NUMBER << 3 -> eventTime = in.readInt64();
                    case Record.EDGE_RECEIVE_TIME_MS_FIELD_NUMBER << 3 -> receiveTime = in.readInt64();
                    case (Record.DEVICE_GROUP_FIELD_NUMBER << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED ->
                        group = in.readStringRequireUtf8();
                    case (Record.DEVICE_ID_FIELD_NUMBER << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED ->
                        device = in.readStringRequireUtf8();
                    case (Record.PARTITION_KEY_FIELD_NUMBER << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED ->
                        key = in.readStringRequireUtf8();
                    default -> {
                        if (!in.skipField(tag)) {
                            throw new InvalidProtocolBufferException("end-group tag in a record");
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new ChunkCodec.CorruptChunkException("undecodable record in chunk: " + e.getMessage());
        }
        return new RawRecord(
                array, offset, length, new LanePosition(epoch, sequence), eventTime, receiveTime, group, device, key);
    }

    /** The record's bytes (id included), as a read-only view. */
    public ByteBuffer bytes() {
        return ByteBuffer.wrap(array, offset, length).slice().asReadOnlyBuffer();
    }

    /** The bytes it costs in a batch. */
    public int serializedSize() {
        return length;
    }

    /** Its position in its lane (the id's epoch and sequence). */
    public LanePosition position() {
        return position;
    }

    public long eventTimeMs() {
        return eventTimeMs;
    }

    /** When the edge received it (epoch ms, the agent's wall clock); 0 when not set. */
    public long edgeReceiveTimeMs() {
        return edgeReceiveTimeMs;
    }

    public String deviceGroup() {
        return deviceGroup;
    }

    public String deviceId() {
        return deviceId;
    }

    /** The record's explicit partition key; empty when the stream's key mode decides. */
    public String partitionKey() {
        return partitionKey;
    }

    /** Parses the whole record (costs what forwarding raw bytes saves: for tests and rare paths). */
    public Record parse() {
        try {
            return Record.parseFrom(ByteBuffer.wrap(array, offset, length));
        } catch (InvalidProtocolBufferException e) {
            throw new ChunkCodec.CorruptChunkException("undecodable record in chunk: " + e.getMessage());
        }
    }
}
