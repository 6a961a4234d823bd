package io.tributary.hub.stream;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import io.tributary.hub.store.local.FileChannelFactory;
import io.tributary.protocol.v1.StreamDescription;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.zip.CRC32C;

/**
 * The metadata file of one stream, {@code <dataDir>/streams/<name>.stream}, and how it is written and read.
 *
 * <pre>
 * offset  size  field
 *      0     4  magic "TRST"
 *      4     1  format version, 1
 *      5     4  payload length n, big-endian
 *      9     4  CRC32C of the payload, big-endian
 *     13     n  payload: protobuf message StoredStream
 *
 * message StoredStream {                            // field numbers are the on-disk contract
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
 * Writes are atomic: temp file {@code <name>.stream.tmp}, {@code force(true)}, atomic rename, directory fsync. A
 * reader sees the old or the new file, never a mix; a leftover {@code .tmp} is an uncommitted write. Stateless;
 * callers serialize writes to one stream.
 */
final class StreamFile {

    static final String SUFFIX = ".stream";
    static final String TEMP_SUFFIX = ".tmp";
    private static final byte[] MAGIC = "TRST".getBytes(StandardCharsets.US_ASCII);
    private static final byte VERSION = 1;
    private static final int HEADER = 13;

    private StreamFile() {}

    static Path pathOf(Path dir, String streamName) {
        return dir.resolve(streamName + SUFFIX);
    }

    static void write(Path dir, StreamDefinition stream, FileChannelFactory files) throws IOException {
        byte[] payload = encodePayload(stream);
        CRC32C crc = new CRC32C();
        crc.update(payload);
        ByteBuffer buf = ByteBuffer.allocate(HEADER + payload.length)
                .put(MAGIC)
                .put(VERSION)
                .putInt(payload.length)
                .putInt((int) crc.getValue())
                .put(payload)
                .flip();
        Path target = pathOf(dir, stream.name());
        Path temp = target.resolveSibling(target.getFileName() + TEMP_SUFFIX);
        try (FileChannel ch = files.open(
                temp,
                Set.of(StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE))) {
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        }
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        fsyncDirectory(dir);
    }

    static void delete(Path dir, String streamName) throws IOException {
        Files.deleteIfExists(pathOf(dir, streamName));
        fsyncDirectory(dir);
    }

    /**
     * Reads and checks one file.
     *
     * @throws StreamException {@link StreamException.Reason#CORRUPT} naming the file and what is wrong with it
     */
    static StreamDefinition read(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        String fileName = file.getFileName().toString();
        String expectedName = fileName.substring(0, fileName.length() - SUFFIX.length());
        StreamDefinition stream;
        try {
            stream = decodePayload(checkedPayload(file, ByteBuffer.wrap(bytes)));
        } catch (IOException | StreamException e) {
            if (e instanceof StreamException se && se.reason() == StreamException.Reason.CORRUPT) {
                throw se;
            }
            // Protobuf decode errors and model-rule violations alike: the file holds no valid stream.
            throw corrupt(file, e.getMessage(), e);
        }
        if (!stream.name().equals(expectedName)) {
            throw corrupt(file, "holds stream '" + stream.name() + "'", null);
        }
        return stream;
    }

    /** The payload after checking magic, version, length and CRC. */
    private static byte[] checkedPayload(Path file, ByteBuffer buf) {
        if (buf.remaining() < HEADER) {
            throw corrupt(file, "truncated header (" + buf.remaining() + " bytes)", null);
        }
        byte[] magic = new byte[MAGIC.length];
        buf.get(magic);
        byte version = buf.get();
        if (!Arrays.equals(magic, MAGIC) || version != VERSION) {
            throw corrupt(file, "bad magic or unsupported version " + version, null);
        }
        int length = buf.getInt();
        int storedCrc = buf.getInt();
        if (length != buf.remaining()) {
            throw corrupt(file, "payload is " + buf.remaining() + " bytes, header says " + length, null);
        }
        byte[] payload = new byte[length];
        buf.get(payload);
        CRC32C crc = new CRC32C();
        crc.update(payload);
        if ((int) crc.getValue() != storedCrc) {
            throw corrupt(file, "CRC32C mismatch", null);
        }
        return payload;
    }

    private static StreamException corrupt(Path file, String what, Throwable cause) {
        return new StreamException(StreamException.Reason.CORRUPT, "stream file " + file + ": " + what, cause);
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

    static void fsyncDirectory(Path dir) throws IOException {
        // Makes the rename or unlink itself durable (POSIX: the directory entry lives in the directory's data).
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}
