package io.tributary.hub.store.local;

import io.tributary.hub.store.BatchToAppend;
import io.tributary.hub.store.ProducerKey;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * The header in front of every batch in a segment file, and its codec. All integers are big-endian.
 *
 * <pre>
 * offset  size  field
 *  0      4     magic 0x54524942 ("TRIB")
 *  4      1     format version (1)
 *  5      1     attributes: bit 0 {@link #COMMIT_START}; the other bits 0, reserved
 *  6      2     header length H in bytes, unsigned (84 + A + L)
 *  8      4     payload length P in bytes
 * 12      4     CRC32C over bytes [16, H + P): the rest of the header and the payload
 * 16      8     base sequence
 * 24      4     record count (>= 1)
 * 28      4     codec id
 * 32      8     first event time (ms)
 * 40      8     last event time (ms)
 * 48      8     append time (ms, hub clock)
 * 56      8     producer epoch
 * 64      8     producer first sequence
 * 72      8     producer last sequence
 * 80      2     A = length of the agent id in UTF-8 bytes
 * 82      A     agent id
 * 82+A    2     L = length of the lane in UTF-8 bytes
 * 84+A    L     lane
 * H       P     payload, exactly as the producer sent it
 * </pre>
 *
 * <p>The attributes byte is outside the CRC (like the rest of the prefix) and is the hub's own: set by the writer
 * that stored the batch, not carried to readers or replicas.
 *
 * <p>Instances are immutable; the static methods are stateless and thread-safe.
 */
record BatchHeader(
        int headerLength,
        int payloadLength,
        int crc,
        long baseSequence,
        int recordCount,
        int codec,
        long firstEventTimeMs,
        long lastEventTimeMs,
        long appendTimeMs,
        ProducerKey producer,
        long producerFirstSeq,
        long producerLastSeq) {

    static final int MAGIC = 0x54524942;
    static final byte VERSION = 1;
    /** Bytes needed to learn the entry length: magic, version, attributes, lengths and CRC. */
    static final int PREFIX_LENGTH = 16;

    static final int ATTRIBUTES_OFFSET = 5;
    /**
     * Attribute bit: the batch is the first one a group commit wrote after an fsync of its segment, so everything
     * before it in the segment was durable when it was written. Recovery uses it to tell a power cut's out-of-order
     * writes in the last, unacknowledged commit from damage to acknowledged data ({@link ShardRecovery}).
     */
    static final byte COMMIT_START = 0x01;

    static final int CRC_OFFSET = 12;
    static final int FIXED_LENGTH = 84;
    static final int MAX_HEADER_LENGTH = FIXED_LENGTH + 2 * ProducerKey.MAX_NAME_BYTES;

    /** Header plus payload. */
    int entryLength() {
        return headerLength + payloadLength;
    }

    long nextSequence() {
        return baseSequence + recordCount;
    }

    static int headerLength(byte[] agentId, byte[] lane) {
        return FIXED_LENGTH + agentId.length + lane.length;
    }

    /**
     * Writes a complete header, CRC included, into {@code dst} at its position and advances it.
     *
     * @param crc a CRC32C instance owned by the calling thread
     */
    static void write(
            ByteBuffer dst,
            BatchToAppend batch,
            long baseSequence,
            long appendTimeMs,
            ProducerNames names,
            CRC32C crc) {
        int start = dst.position();
        int headerLength = headerLength(names.agentId(), names.lane());
        dst.putInt(MAGIC).put(VERSION).put((byte) 0).putShort((short) headerLength);
        dst.putInt(batch.payloadSize()).putInt(0);
        dst.putLong(baseSequence).putInt(batch.recordCount()).putInt(batch.codec());
        dst.putLong(batch.firstEventTimeMs()).putLong(batch.lastEventTimeMs()).putLong(appendTimeMs);
        dst.putLong(batch.producer().epoch()).putLong(batch.producerFirstSeq()).putLong(batch.producerLastSeq());
        dst.putShort((short) names.agentId().length).put(names.agentId());
        dst.putShort((short) names.lane().length).put(names.lane());
        crc.reset();
        crc.update(dst.duplicate().position(start + PREFIX_LENGTH).limit(start + headerLength));
        crc.update(batch.payload().duplicate());
        dst.putInt(start + CRC_OFFSET, (int) crc.getValue());
    }

    /**
     * Reads the entry length from a prefix at {@code buf}'s position without moving it, or throws when the prefix is
     * not a valid one.
     */
    static int entryLengthAt(ByteBuffer buf, int at, int maxPayload) throws CorruptBatchException {
        if (buf.getInt(at) != MAGIC) {
            throw new CorruptBatchException("bad magic");
        }
        if (buf.get(at + 4) != VERSION) {
            throw new CorruptBatchException("unknown format version " + buf.get(at + 4));
        }
        int headerLength = Short.toUnsignedInt(buf.getShort(at + 6));
        int payloadLength = buf.getInt(at + 8);
        if (headerLength < FIXED_LENGTH || headerLength > MAX_HEADER_LENGTH) {
            throw new CorruptBatchException("bad header length " + headerLength);
        }
        if (payloadLength < 0 || payloadLength > maxPayload) {
            throw new CorruptBatchException("bad payload length " + payloadLength);
        }
        return headerLength + payloadLength;
    }

    /** True when the batch whose prefix starts at absolute index {@code at} has the {@link #COMMIT_START} bit. */
    static boolean startsCommit(ByteBuffer buf, int at) {
        return (buf.get(at + ATTRIBUTES_OFFSET) & COMMIT_START) != 0;
    }

    /** Parses a whole header starting at absolute index {@code at}; its prefix must have passed {@link #entryLengthAt}. */
    static BatchHeader parse(ByteBuffer buf, int at) throws CorruptBatchException {
        int headerLength = Short.toUnsignedInt(buf.getShort(at + 6));
        int agentLength = Short.toUnsignedInt(buf.getShort(at + 80));
        if (FIXED_LENGTH + agentLength > headerLength) {
            throw new CorruptBatchException("bad agent id length " + agentLength);
        }
        int laneLength = Short.toUnsignedInt(buf.getShort(at + 82 + agentLength));
        if (FIXED_LENGTH + agentLength + laneLength != headerLength) {
            throw new CorruptBatchException("bad lane length " + laneLength);
        }
        int recordCount = buf.getInt(at + 24);
        if (recordCount < 1) {
            throw new CorruptBatchException("bad record count " + recordCount);
        }
        String agentId = utf8(buf, at + 82, agentLength);
        String lane = utf8(buf, at + 84 + agentLength, laneLength);
        try {
            return new BatchHeader(
                    headerLength,
                    buf.getInt(at + 8),
                    buf.getInt(at + CRC_OFFSET),
                    buf.getLong(at + 16),
                    recordCount,
                    buf.getInt(at + 28),
                    buf.getLong(at + 32),
                    buf.getLong(at + 40),
                    buf.getLong(at + 48),
                    new ProducerKey(agentId, lane, buf.getLong(at + 56)),
                    buf.getLong(at + 64),
                    buf.getLong(at + 72));
        } catch (IllegalArgumentException e) {
            throw new CorruptBatchException("bad producer fields: " + e.getMessage());
        }
    }

    /** True when the CRC stored in the entry at {@code at} matches the bytes ({@code buf} must hold the whole entry). */
    boolean crcMatches(ByteBuffer buf, int at, CRC32C crc32c) {
        crc32c.reset();
        crc32c.update(buf.duplicate().limit(at + entryLength()).position(at + PREFIX_LENGTH));
        return (int) crc32c.getValue() == crc;
    }

    private static String utf8(ByteBuffer buf, int at, int length) {
        byte[] bytes = new byte[length];
        buf.get(at, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
