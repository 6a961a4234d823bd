package io.tributary.edge.buffer;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.ExtensionRegistryLite;
import io.tributary.protocol.v1.Record;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Encodes the value stored for one chunk: the records of one lane and one epoch, in sequence order.
 *
 * <pre>
 * byte    magic 0x54 ('T')
 * byte    version 1
 * int32   CRC32C (big-endian) of every byte after this field
 * varint  record count
 * count × { varint64 expireAtMs+1 (0 = never) ; varint32 length ; length bytes: the protobuf Record, id included }
 * </pre>
 *
 * The quota counts the length of this value: records plus about 8 bytes each; the log's entry frames and dead entries
 * not yet reclaimed are not counted (see {@link io.tributary.edge.buffer.log.BufferLog} for the bound on disk use).
 * Stateless and thread-safe.
 */
final class ChunkCodec {

    private static final byte MAGIC = 0x54;
    private static final byte VERSION = 1;
    private static final int HEADER = 6;

    private ChunkCodec() {}

    /** The bytes one already encoded record adds to a chunk. */
    static int encodedSize(EncodedRecord r) {
        int size = r.bytes().length;
        return CodedOutputStream.computeUInt64SizeNoTag(expiryField(r.expireAtMs()))
                + CodedOutputStream.computeUInt32SizeNoTag(size)
                + size;
    }

    /** Encodes a chunk of records the writer already serialized, id included ({@link RecordEncoder}). */
    static byte[] encodeEncoded(List<EncodedRecord> records) {
        int size = overhead(records.size());
        for (EncodedRecord r : records) {
            size += encodedSize(r);
        }
        byte[] out = new byte[size];
        CodedOutputStream body = CodedOutputStream.newInstance(out, HEADER, size - HEADER);
        try {
            body.writeUInt32NoTag(records.size());
            for (EncodedRecord r : records) {
                body.writeUInt64NoTag(expiryField(r.expireAtMs()));
                body.writeUInt32NoTag(r.bytes().length);
                body.writeRawBytes(r.bytes());
            }
            body.checkNoSpaceLeft();
        } catch (IOException e) {
            throw new UncheckedIOException("chunk size miscomputed", e);
        }
        return seal(out);
    }

    /** The bytes of a chunk holding no record: a chunk's size is this plus each record's {@link #encodedSize}. */
    static int overhead(int count) {
        return HEADER + CodedOutputStream.computeUInt32SizeNoTag(count);
    }

    /** Encodes a chunk of parsed records (a rewrite after roll-up or expiry; the writer uses {@link #encodeEncoded}). */
    static byte[] encode(List<StoredRecord> records) {
        List<EncodedRecord> encoded = new ArrayList<>(records.size());
        for (StoredRecord r : records) {
            encoded.add(new EncodedRecord(
                    r.record().toByteArray(), r.position(), r.record().getEdgeReceiveTimeMs(), r.expireAtMs()));
        }
        return encodeEncoded(encoded);
    }

    private static byte[] seal(byte[] out) {
        out[0] = MAGIC;
        out[1] = VERSION;
        ByteBuffer.wrap(out, 2, 4).putInt(crc(out));
        return out;
    }

    /** Decodes a chunk; throws {@link CorruptChunkException} when the header or checksum does not match. */
    static List<StoredRecord> decode(byte[] chunk) {
        checkHeader(chunk);
        CodedInputStream in = CodedInputStream.newInstance(chunk, HEADER, chunk.length - HEADER);
        try {
            int count = in.readUInt32();
            List<StoredRecord> records = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                long expiry = in.readUInt64();
                Record.Builder b = Record.newBuilder();
                in.readMessage(b, ExtensionRegistryLite.getEmptyRegistry());
                records.add(new StoredRecord(b.build(), expiry == 0 ? StoredRecord.NEVER : expiry - 1));
            }
            return records;
        } catch (IOException e) {
            throw new CorruptChunkException("undecodable chunk: " + e.getMessage());
        }
    }

    /**
     * Decodes a chunk into record views without parsing the records ({@link RawRecord#scan} reads the fields a batch
     * needs); throws {@link CorruptChunkException} when the header, checksum or framing does not match.
     */
    static List<RawRecord> decodeRaw(byte[] chunk) {
        checkHeader(chunk);
        CodedInputStream in = CodedInputStream.newInstance(chunk, HEADER, chunk.length - HEADER);
        try {
            int count = in.readUInt32();
            List<RawRecord> records = new ArrayList<>(Math.min(count, chunk.length));
            for (int i = 0; i < count; i++) {
                in.readUInt64(); // expiry: the sweep removes expired records; readers do not filter
                int length = in.readUInt32();
                int offset = HEADER + in.getTotalBytesRead();
                if (length < 0 || offset + length > chunk.length) {
                    throw new CorruptChunkException("record " + i + " runs past the chunk");
                }
                records.add(RawRecord.scan(chunk, offset, length));
                in.skipRawBytes(length);
            }
            return records;
        } catch (IOException e) {
            throw new CorruptChunkException("undecodable chunk: " + e.getMessage());
        }
    }

    private static void checkHeader(byte[] chunk) {
        if (chunk.length < HEADER + 1 || chunk[0] != MAGIC || chunk[1] != VERSION) {
            throw new CorruptChunkException("bad chunk header (" + chunk.length + " bytes)");
        }
        if (ByteBuffer.wrap(chunk, 2, 4).getInt() != crc(chunk)) {
            throw new CorruptChunkException("chunk checksum mismatch (" + chunk.length + " bytes)");
        }
    }

    private static long expiryField(long expireAtMs) {
        return expireAtMs == StoredRecord.NEVER ? 0 : expireAtMs + 1;
    }

    private static int crc(byte[] chunk) {
        CRC32C crc = new CRC32C();
        crc.update(chunk, HEADER, chunk.length - HEADER);
        return (int) crc.getValue();
    }

    /** A stored chunk that fails its checksum or does not parse. */
    static final class CorruptChunkException extends RuntimeException {
        CorruptChunkException(String message) {
            super(message);
        }
    }
}
