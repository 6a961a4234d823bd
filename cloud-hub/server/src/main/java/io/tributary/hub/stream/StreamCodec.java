package io.tributary.hub.stream;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import io.tributary.protocol.v1.StreamDescription;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * The bytes of one stream version: what a stream file holds ({@link StreamFile}) and what a catalog entry in another
 * store holds (the Pulsar catalog's message values).
 *
 * <pre>
 * offset  size  field
 *      0     4  magic "TRST"
 *      4     1  format version, 1
 *      5     4  payload length n, big-endian
 *      9     4  CRC32C of the payload, big-endian
 *     13     n  payload: protobuf message StoredStream
 *
 * message StoredStream {                            // field numbers are the stored contract
 *   tributary.v1.StreamDescription description = 1; // admin.proto; store-owned live fields unset; its
 *                                                   // replication fields (home_region, generation, regions,
 *                                                   // ack_level, forks) are the stream's
 *   repeated ShardTimes shard_times = 2;            // what the wire description lacks
 * }
 * message ShardTimes { string shard_id = 1; int64 created_ms = 2; int64 closed_ms = 3; } // closed_ms: closed only
 * </pre>
 *
 * <p>StoredStream is encoded with protobuf's {@link CodedOutputStream} because this module has no code generation;
 * the bytes are exactly what a generated class for the messages above would write, so one can replace this code.
 * Stateless and thread-safe.
 */
public final class StreamCodec {
    private static final byte[] MAGIC = "TRST".getBytes(StandardCharsets.US_ASCII);
    private static final byte VERSION = 1;
    private static final int HEADER = 13;

    private StreamCodec() {}

    /** The stored bytes of {@code stream}: header, CRC and payload. */
    public static byte[] encode(StreamDefinition stream) {
        byte[] payload;
        try {
            payload = encodePayload(stream);
        } catch (IOException e) {
            throw new UncheckedIOException("encoding stream " + stream.name() + " in memory", e); // not reached
        }
        CRC32C crc = new CRC32C();
        crc.update(payload);
        return ByteBuffer.allocate(HEADER + payload.length)
                .put(MAGIC)
                .put(VERSION)
                .putInt(payload.length)
                .putInt((int) crc.getValue())
                .put(payload)
                .array();
    }

    /**
     * Checks and decodes stored bytes.
     *
     * @param source what held the bytes, for the error message (e.g. {@code stream file /data/streams/s.stream})
     * @throws StreamException {@link StreamException.Reason#CORRUPT}, "{@code <source>: <what is wrong>}"
     */
    public static StreamDefinition decode(byte[] bytes, String source) {
        try {
            return decodePayload(checkedPayload(source, ByteBuffer.wrap(bytes)));
        } catch (IOException | StreamException e) {
            if (e instanceof StreamException se && se.reason() == StreamException.Reason.CORRUPT) {
                throw se;
            }
            // Protobuf decode errors and model-rule violations alike: the bytes hold no valid stream.
            throw corrupt(source, e.getMessage(), e);
        }
    }

    /** A CORRUPT error naming {@code source} and what is wrong with it. */
    static StreamException corrupt(String source, String what, Throwable cause) {
        return new StreamException(StreamException.Reason.CORRUPT, source + ": " + what, cause);
    }

    /** The payload after checking magic, version, length and CRC. */
    private static byte[] checkedPayload(String source, ByteBuffer buf) {
        if (buf.remaining() < HEADER) {
            throw corrupt(source, "truncated header (" + buf.remaining() + " bytes)", null);
        }
        byte[] magic = new byte[MAGIC.length];
        buf.get(magic);
        byte version = buf.get();
        if (!Arrays.equals(magic, MAGIC) || version != VERSION) {
            throw corrupt(source, "bad magic or unsupported version " + version, null);
        }
        int length = buf.getInt();
        int storedCrc = buf.getInt();
        if (length != buf.remaining()) {
            throw corrupt(source, "payload is " + buf.remaining() + " bytes, header says " + length, null);
        }
        byte[] payload = new byte[length];
        buf.get(payload);
        CRC32C crc = new CRC32C();
        crc.update(payload);
        if ((int) crc.getValue() != storedCrc) {
            throw corrupt(source, "CRC32C mismatch", null);
        }
        return payload;
    }

    private static byte[] encodePayload(StreamDefinition stream) throws IOException {
        ByteString.Output out = ByteString.newOutput();
        CodedOutputStream c = CodedOutputStream.newInstance(out);
        c.writeMessage(1, StreamMessages.toDescription(stream));
        for (ShardDefinition shard : stream.shards()) {
            ByteString.Output times = ByteString.newOutput();
            CodedOutputStream t = CodedOutputStream.newInstance(times);
            t.writeString(1, shard.id());
            t.writeInt64(2, shard.createdAt().toEpochMilli());
            if (shard.closedAt().isPresent()) {
                t.writeInt64(3, shard.closedAt().get().toEpochMilli());
            }
            t.flush();
            c.writeBytes(2, times.toByteString());
        }
        c.flush();
        return out.toByteString().toByteArray();
    }

    private static StreamDefinition decodePayload(byte[] payload) throws IOException {
        CodedInputStream in = CodedInputStream.newInstance(payload);
        StreamDescription description = null;
        Map<String, StreamMessages.ShardTimes> times = new HashMap<>();
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> description = StreamDescription.parseFrom(in.readBytes());
                case 2 -> {
                    CodedInputStream t = in.readBytes().newCodedInput();
                    String id = "";
                    long created = 0;
                    Optional<Instant> closed = Optional.empty();
                    for (int ttag = t.readTag(); ttag != 0; ttag = t.readTag()) {
                        switch (WireFormat.getTagFieldNumber(ttag)) {
                            case 1 -> id = t.readString();
                            case 2 -> created = t.readInt64();
                            case 3 -> closed = Optional.of(Instant.ofEpochMilli(t.readInt64()));
                            default -> t.skipField(ttag);
                        }
                    }
                    times.put(id, new StreamMessages.ShardTimes(Instant.ofEpochMilli(created), closed));
                }
                default -> in.skipField(tag);
            }
        }
        if (description == null) {
            throw new IOException("no stream description");
        }
        return StreamMessages.fromDescription(description, id -> {
            StreamMessages.ShardTimes t = times.get(id);
            if (t == null) {
                throw new StreamException(StreamException.Reason.INVALID, "no times for shard " + id);
            }
            return t;
        });
    }
}
