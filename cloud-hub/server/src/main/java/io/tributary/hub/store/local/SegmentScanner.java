package io.tributary.hub.store.local;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.zip.CRC32C;

/**
 * Walks the batch headers of a segment log sequentially, reading large chunks so that small batches cost no system
 * call each. Stops at the end, or at the first entry that is torn (runs past the end), structurally invalid, or (when
 * asked to verify) fails its CRC; {@link #stopReason()} then says why and {@link #validEnd()} where the valid data
 * ends.
 *
 * <p>Threads: confined to the thread that created it.
 */
final class SegmentScanner {
    private static final int CHUNK = 256 * 1024;

    private final FileChannel channel;
    private final long end;
    private final int maxPayload;
    private final boolean verifyCrc;
    private final CRC32C crc = new CRC32C();
    private ByteBuffer buf = ByteBuffer.allocate(CHUNK);
    private long bufStart;
    private int bufLength;
    private long position;
    private long batchPosition = -1;
    private String stopReason = "";

    SegmentScanner(FileChannel channel, long start, long end, int maxPayload, boolean verifyCrc) {
        this.channel = channel;
        this.position = start;
        this.end = end;
        this.maxPayload = maxPayload;
        this.verifyCrc = verifyCrc;
    }

    /** The next valid header, or {@code null} at the end or at invalid data (see {@link #stopReason()}). */
    BatchHeader next() throws IOException {
        if (position >= end || !stopReason.isEmpty()) {
            return null;
        }
        if (end - position < BatchHeader.PREFIX_LENGTH) {
            return stop("torn batch prefix: " + (end - position) + " bytes left");
        }
        ensure(BatchHeader.PREFIX_LENGTH);
        int at = (int) (position - bufStart);
        try {
            int entryLength = BatchHeader.entryLengthAt(buf, at, maxPayload);
            if (position + entryLength > end) {
                return stop("torn batch: needs " + entryLength + " bytes, " + (end - position) + " left");
            }
            int headerLength = Short.toUnsignedInt(buf.getShort(at + 6));
            ensure(verifyCrc ? entryLength : headerLength);
            at = (int) (position - bufStart);
            BatchHeader header = BatchHeader.parse(buf, at);
            if (verifyCrc && !header.crcMatches(buf, at, crc)) {
                return stop("CRC32C mismatch");
            }
            batchPosition = position;
            position += entryLength;
            return header;
        } catch (CorruptBatchException e) {
            return stop(e.getMessage());
        }
    }

    /** File position of the header last returned by {@link #next()}. */
    long batchPosition() {
        return batchPosition;
    }

    /** End of the last valid batch (where a torn or corrupt tail starts). */
    long validEnd() {
        return position;
    }

    /** Empty when the scan ended cleanly, else why it stopped early. */
    String stopReason() {
        return stopReason;
    }

    private BatchHeader stop(String reason) {
        stopReason = reason + " at position " + position;
        return null;
    }

    /** Makes {@code [position, position + length)} available in {@code buf}. */
    private void ensure(int length) throws IOException {
        if (position >= bufStart && position + length <= bufStart + bufLength) {
            return;
        }
        if (buf.capacity() < length) {
            buf = ByteBuffer.allocate(length);
        }
        bufStart = position;
        int want = (int) Math.min(buf.capacity(), end - position);
        buf.clear().limit(want);
        while (buf.hasRemaining()) {
            if (channel.read(buf, bufStart + buf.position()) < 0) {
                break;
            }
        }
        bufLength = buf.position();
        buf.clear();
        if (bufLength < length) {
            throw new IOException(
                    "file shorter than expected: read " + bufLength + " of " + length + " at " + position);
        }
    }
}
