package io.tributary.protocol.batch;

import com.github.luben.zstd.Zstd;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import io.tributary.protocol.v1.Codec;
import io.tributary.protocol.v1.Record;
import io.tributary.protocol.v1.RecordId;
import io.tributary.protocol.v1.RecordList;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.List;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;

/**
 * Encodes the {@code payload} of a {@code Batch} / {@code StoredBatch}: an encoded {@link RecordList}, compressed
 * with the batch's {@link Codec}.
 *
 * <p>Payload layout per codec:
 *
 * <ul>
 *   <li>{@code CODEC_NONE}: the encoded RecordList.
 *   <li>{@code CODEC_LZ4}: varint32 uncompressed length, then one LZ4 block.
 *   <li>{@code CODEC_ZSTD}: one zstd frame (which records its content size).
 * </ul>
 *
 * Decoding refuses payloads whose declared uncompressed size exceeds the caller's limit, so a hostile batch cannot
 * make the receiver allocate without bound. Thread rules: stateless, safe from any thread.
 */
public final class BatchPayloads {
    private static final LZ4Factory LZ4 = LZ4Factory.fastestInstance();
    private static final LZ4Compressor LZ4_COMPRESSOR = LZ4.fastCompressor();
    // The safe decompressor bounds-checks every read: payloads come from the network.
    private static final LZ4SafeDecompressor LZ4_DECOMPRESSOR = LZ4.safeDecompressor();
    private static final int ZSTD_LEVEL = 3;
    private static final int RECORD_TAG = (RecordList.RECORDS_FIELD_NUMBER << 3) | 2;

    private BatchPayloads() {}

    /** Encoded payload and the size before compression. */
    public record Encoded(ByteString payload, int uncompressedBytes) {}

    public static Encoded encode(List<Record> records, Codec codec) {
        byte[] plain = RecordList.newBuilder().addAllRecords(records).build().toByteArray();
        return new Encoded(compress(plain, codec), plain.length);
    }

    /**
     * Encodes records that are already serialized (each view holds one {@link Record}'s protobuf bytes, between its
     * position and limit) without parsing them: a RecordList is those bytes, each behind its field tag and length.
     * The views are not changed.
     */
    public static Encoded encodeSerialized(List<ByteBuffer> records, Codec codec) {
        return encodeSerialized(records, null, codec);
    }

    /**
     * Like {@link #encodeSerialized(List, Codec)}, giving record {@code i} the id {@code ids.get(i)} in place of the
     * one it holds, still without parsing it: the id is appended to the record's bytes as a second {@code id} field,
     * which a protobuf parser merges over the first (every field of the id is written, so a reader that takes the last
     * {@code id} whole sees the same). {@code ids} null keeps every id.
     */
    public static Encoded encodeSerialized(List<ByteBuffer> records, List<RecordId> ids, Codec codec) {
        if (ids != null && ids.size() != records.size()) {
            throw new IllegalArgumentException(ids.size() + " ids for " + records.size() + " records");
        }
        int size = 0;
        for (int i = 0; i < records.size(); i++) {
            int length = recordLength(records.get(i), ids == null ? null : ids.get(i));
            size += 1 + CodedOutputStream.computeUInt32SizeNoTag(length) + length;
        }
        byte[] plain = new byte[size];
        CodedOutputStream out = CodedOutputStream.newInstance(plain);
        try {
            for (int i = 0; i < records.size(); i++) {
                ByteBuffer r = records.get(i);
                RecordId id = ids == null ? null : ids.get(i);
                out.writeUInt32NoTag(RECORD_TAG);
                out.writeUInt32NoTag(recordLength(r, id));
                out.write(r.duplicate());
                if (id != null) {
                    out.writeMessage(Record.ID_FIELD_NUMBER, id);
                }
            }
            out.checkNoSpaceLeft();
        } catch (IOException e) {
            throw new UncheckedIOException("record list size miscomputed", e);
        }
        return new Encoded(compress(plain, codec), plain.length);
    }

    private static int recordLength(ByteBuffer record, RecordId id) {
        return record.remaining() + (id == null ? 0 : CodedOutputStream.computeMessageSize(Record.ID_FIELD_NUMBER, id));
    }

    public static ByteString compress(byte[] plain, Codec codec) {
        return switch (codec) {
            case CODEC_NONE -> ByteString.copyFrom(plain);
            case CODEC_LZ4 -> {
                int max = LZ4_COMPRESSOR.maxCompressedLength(plain.length);
                byte[] out = new byte[5 + max];
                int pos = writeVarint(out, plain.length);
                int n = LZ4_COMPRESSOR.compress(plain, 0, plain.length, out, pos, max);
                yield ByteString.copyFrom(out, 0, pos + n);
            }
            case CODEC_ZSTD -> ByteString.copyFrom(Zstd.compress(plain, ZSTD_LEVEL));
            default -> throw new IllegalArgumentException("unsupported codec " + codec);
        };
    }

    /**
     * Decodes a payload back into its records.
     *
     * @throws BatchFormatException when the payload is corrupt, uses an unknown codec, or would inflate past {@code
     *     maxUncompressedBytes} (then a {@link BatchTooLargeException})
     */
    public static List<Record> decode(ByteString payload, Codec codec, int maxUncompressedBytes)
            throws BatchFormatException {
        byte[] plain = decompress(payload, codec, maxUncompressedBytes);
        try {
            return RecordList.parseFrom(plain).getRecordsList();
        } catch (IOException e) {
            throw new BatchFormatException("corrupt record list: " + e.getMessage(), e);
        }
    }

    public static byte[] decompress(ByteString payload, Codec codec, int maxUncompressedBytes)
            throws BatchFormatException {
        try {
            return switch (codec) {
                case CODEC_NONE -> {
                    checkSize(payload.size(), maxUncompressedBytes);
                    yield payload.toByteArray();
                }
                case CODEC_LZ4 -> {
                    CodedInputStream in = payload.newCodedInput();
                    int length = in.readRawVarint32();
                    checkSize(length, maxUncompressedBytes);
                    int offset = in.getTotalBytesRead();
                    byte[] compressed = payload.toByteArray();
                    byte[] out = new byte[length];
                    int n = LZ4_DECOMPRESSOR.decompress(compressed, offset, compressed.length - offset, out, 0, length);
                    if (n != length) {
                        throw new BatchFormatException("LZ4 block inflates to " + n + " bytes, header says " + length);
                    }
                    yield out;
                }
                case CODEC_ZSTD -> {
                    byte[] compressed = payload.toByteArray();
                    long size = Zstd.getFrameContentSize(compressed);
                    if (size < 0) {
                        throw new BatchFormatException("zstd frame without a valid content size");
                    }
                    checkSize(size, maxUncompressedBytes);
                    yield Zstd.decompress(compressed, (int) size);
                }
                default -> throw new BatchFormatException("unsupported codec " + codec);
            };
        } catch (BatchFormatException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new BatchFormatException("corrupt " + codec + " payload: " + e.getMessage(), e);
        }
    }

    private static void checkSize(long size, int max) throws BatchFormatException {
        if (size < 0 || size > max) {
            throw new BatchTooLargeException("payload inflates to " + size + " bytes, over the limit of " + max);
        }
    }

    private static int writeVarint(byte[] out, int value) {
        int pos = 0;
        while ((value & ~0x7F) != 0) {
            out[pos++] = (byte) ((value & 0x7F) | 0x80);
            value >>>= 7;
        }
        out[pos++] = (byte) value;
        return pos;
    }
}
