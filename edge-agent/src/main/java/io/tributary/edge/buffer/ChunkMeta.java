package io.tributary.edge.buffer;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * What the buffer knows about one stored chunk without reading it; kept in memory ({@link ChunkIndex}) and in the
 * {@code index} map (by chunk number) so that opening the buffer does not read the records. Immutable.
 *
 * @param chunkNo the chunk's key; grows with append order, so it orders chunks within a lane and globally
 * @param first position of the chunk's first record; {@code last} of its last (one epoch per chunk)
 * @param bytes the encoded chunk's length, what the quota counts
 * @param firstAppendMs edge receive time of the first record, for the oldest-unsent-age metric
 * @param minExpireAtMs earliest expiry of a record in it, or {@link StoredRecord#NEVER}
 * @param aggregate true when the chunk holds roll-ups, which are not rolled up again
 */
record ChunkMeta(
        long chunkNo,
        String lane,
        LanePosition first,
        LanePosition last,
        int count,
        int bytes,
        long firstAppendMs,
        long minExpireAtMs,
        boolean aggregate) {

    private static final byte VERSION = 1;

    /** The meta of a chunk of parsed records about to be stored under {@code chunkNo}. */
    static ChunkMeta describe(long chunkNo, String lane, List<StoredRecord> records, int bytes, boolean aggregate) {
        long minExpire = StoredRecord.NEVER;
        for (StoredRecord r : records) {
            minExpire = Math.min(minExpire, r.expireAtMs());
        }
        StoredRecord first = records.get(0);
        return new ChunkMeta(
                chunkNo,
                lane,
                first.position(),
                records.get(records.size() - 1).position(),
                records.size(),
                bytes,
                first.record().getEdgeReceiveTimeMs(),
                minExpire,
                aggregate);
    }

    /** The meta of a chunk of writer-encoded records about to be stored under {@code chunkNo} (raw, not rolled up). */
    static ChunkMeta describeEncoded(long chunkNo, String lane, List<EncodedRecord> records, int bytes) {
        long minExpire =
                records.stream().mapToLong(EncodedRecord::expireAtMs).min().orElse(StoredRecord.NEVER);
        EncodedRecord first = records.get(0);
        LanePosition last = records.get(records.size() - 1).position();
        return new ChunkMeta(
                chunkNo,
                lane,
                first.position(),
                last,
                records.size(),
                bytes,
                first.edgeReceiveTimeMs(),
                minExpire,
                false);
    }

    byte[] toBytes() {
        ByteArrayOutputStream bytesOut = new ByteArrayOutputStream(64);
        try (DataOutputStream out = new DataOutputStream(bytesOut)) {
            out.writeByte(VERSION);
            out.writeUTF(lane);
            out.writeLong(first.epoch());
            out.writeLong(first.sequence());
            out.writeLong(last.epoch());
            out.writeLong(last.sequence());
            out.writeInt(count);
            out.writeInt(bytes);
            out.writeLong(firstAppendMs);
            out.writeLong(minExpireAtMs);
            out.writeBoolean(aggregate);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytesOut.toByteArray();
    }

    static ChunkMeta fromBytes(long chunkNo, byte[] value) {
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(value))) {
            if (in.readByte() != VERSION) {
                throw new ChunkCodec.CorruptChunkException("unknown chunk meta version for chunk " + chunkNo);
            }
            String lane = in.readUTF();
            LanePosition first = new LanePosition(in.readLong(), in.readLong());
            LanePosition last = new LanePosition(in.readLong(), in.readLong());
            return new ChunkMeta(
                    chunkNo,
                    lane,
                    first,
                    last,
                    in.readInt(),
                    in.readInt(),
                    in.readLong(),
                    in.readLong(),
                    in.readBoolean());
        } catch (IOException e) {
            throw new ChunkCodec.CorruptChunkException("undecodable meta of chunk " + chunkNo + ": " + e);
        }
    }
}
