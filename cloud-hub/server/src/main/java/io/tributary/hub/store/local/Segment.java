package io.tributary.hub.store.local;

import io.tributary.hub.store.StoredBatch;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Set;

/**
 * One segment of a shard: a log file of consecutive batches plus its two sparse indexes.
 *
 * <p>Files, in the shard directory, named by the base sequence zero-padded to 20 digits:
 * {@code 00000000000000000000.log} (entries as laid out in {@link BatchHeader}, back to back, starting at byte 0, the
 * first with base sequence equal to the file name), {@code .index} and {@code .timeindex} (see {@link SparseIndex};
 * written when the segment is sealed, rebuilt at open if missing or inconsistent).
 *
 * <p>Threads: the shard's writer thread (or recovery, before the writer starts) calls the mutators; readers call
 * {@link #read} and the getters concurrently and see only bytes below {@link #committedSize()}, which the writer
 * publishes after the data is durable.
 */
final class Segment {
    private static final int MIN_CHUNK = 64 * 1024;

    private final long baseSequence;
    private final Path logFile;
    private final FileChannel channel;
    private final int indexIntervalBytes;
    private final int maxPayload;
    final SparseIndex sequenceIndex = new SparseIndex();
    final SparseIndex timeIndex = new SparseIndex();

    private int size;
    private long nextSequence;
    private long firstAppendTimeMs = -1;
    private int bytesSinceIndexEntry;
    private volatile long lastAppendTimeMs = -1;
    private volatile int committedSize;

    private Segment(long baseSequence, Path logFile, FileChannel channel, LocalStoreConfig config) {
        this.baseSequence = baseSequence;
        this.logFile = logFile;
        this.channel = channel;
        this.indexIntervalBytes = config.indexIntervalBytes();
        this.maxPayload = config.maxBatchBytes();
        this.nextSequence = baseSequence;
    }

    static String fileName(long baseSequence, String suffix) {
        return String.format("%020d%s", baseSequence, suffix);
    }

    /** Opens (creating if absent) the log file of the segment starting at {@code baseSequence}. It starts empty. */
    static Segment open(Path dir, long baseSequence, LocalStoreConfig config, FileChannelFactory files)
            throws IOException {
        Path log = dir.resolve(fileName(baseSequence, ".log"));
        FileChannel ch =
                files.open(log, Set.of(StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE));
        return new Segment(baseSequence, log, ch, config);
    }

    long baseSequence() {
        return baseSequence;
    }

    long nextSequence() {
        return nextSequence;
    }

    int size() {
        return size;
    }

    int committedSize() {
        return committedSize;
    }

    long firstAppendTimeMs() {
        return firstAppendTimeMs;
    }

    long lastAppendTimeMs() {
        return lastAppendTimeMs;
    }

    FileChannel channel() {
        return channel;
    }

    /** The segment's log file. */
    Path logFile() {
        return logFile;
    }

    Path indexFile() {
        return logFile.resolveSibling(fileName(baseSequence, ".index"));
    }

    Path timeIndexFile() {
        return logFile.resolveSibling(fileName(baseSequence, ".timeindex"));
    }

    /** Accounts for a batch written (or found by recovery) at the current end; adds index entries when due. */
    void onBatch(long base, int recordCount, long appendTimeMs, int entryLength) {
        if (sequenceIndex.size() == 0 || bytesSinceIndexEntry >= indexIntervalBytes) {
            sequenceIndex.add(base, size);
            timeIndex.add(appendTimeMs, base);
            bytesSinceIndexEntry = 0;
        }
        bytesSinceIndexEntry += entryLength;
        size += entryLength;
        nextSequence = base + recordCount;
        if (firstAppendTimeMs < 0) {
            firstAppendTimeMs = appendTimeMs;
        }
        lastAppendTimeMs = appendTimeMs;
    }

    /** A batch found by {@link #locate}: its header and the file position where it starts. */
    record Located(long position, BatchHeader header) {}

    /**
     * Finds the batch that starts exactly at {@code sequence} among the first {@code end} bytes of the log, scanning
     * headers from the nearest sequence index entry (from the start when the index is empty). Writer thread or
     * recovery only: it may look at bytes not yet published.
     *
     * @return the batch, or {@code null} when no batch starts there (the sequence falls inside a batch or after the
     *     end)
     */
    Located locate(long sequence, long end) throws IOException {
        SegmentScanner scanner =
                new SegmentScanner(channel, sequenceIndex.floorValue(sequence, 0), end, maxPayload, false);
        for (BatchHeader h = scanner.next(); h != null; h = scanner.next()) {
            if (h.baseSequence() >= sequence) {
                return h.baseSequence() == sequence ? new Located(scanner.batchPosition(), h) : null;
            }
        }
        return null;
    }

    /**
     * Where records from {@code sequence} on start among the first {@code end} bytes of the log: the position of the
     * batch that starts there, or the end of the batch that ends just below it — found even when what follows that
     * batch is damaged (a cut interrupted by a power cut can leave the partial page at the cut zeroed and the old
     * pages after it). Writer thread or recovery only.
     *
     * @return the position, or -1 when the sequence falls inside a batch or after the readable batches
     */
    long startOf(long sequence, long end) throws IOException {
        SegmentScanner scanner =
                new SegmentScanner(channel, sequenceIndex.floorValue(sequence, 0), end, maxPayload, false);
        for (BatchHeader h = scanner.next(); h != null; h = scanner.next()) {
            if (h.baseSequence() >= sequence) {
                return h.baseSequence() == sequence ? scanner.batchPosition() : -1;
            }
            if (h.nextSequence() == sequence) {
                return scanner.batchPosition() + h.entryLength();
            }
        }
        return -1;
    }

    /** Writes the buffers at the end of the log (their bytes must already be accounted by {@link #onBatch}). */
    void write(ByteBuffer[] buffers, int count) throws IOException {
        long remaining = 0;
        for (int i = 0; i < count; i++) {
            remaining += buffers[i].remaining();
        }
        while (remaining > 0) {
            remaining -= channel.write(buffers, 0, count);
        }
    }

    void force() throws IOException {
        channel.force(false);
    }

    /** Makes everything written so far visible to readers. */
    void publish() {
        committedSize = size;
    }

    /** Recovery only: cuts the log at {@code newSize} and makes it durable. */
    void truncateTo(int newSize) throws IOException {
        channel.truncate(newSize);
        channel.force(true);
        channel.position(newSize);
    }

    /** Recovery only: positions the channel at the end of the accounted data for appending. */
    void positionAtEnd() throws IOException {
        channel.position(size);
        publish();
    }

    /** Writes both index files; called when the segment stops being the active one. */
    void seal(FileChannelFactory files) throws IOException {
        sequenceIndex.writeFile(indexFile(), files);
        timeIndex.writeFile(timeIndexFile(), files);
    }

    /**
     * Adds to {@code out} the batches from the one containing {@code fromSequence}, stopping at {@code
     * highWaterMark}, at the end of this segment, or before exceeding the budget (one batch is always taken when
     * {@code out} is empty).
     *
     * @return the sequence after the last batch added, or {@code fromSequence} when none was
     */
    long read(long fromSequence, long highWaterMark, int maxRecords, long maxBytes, List<StoredBatch> out)
            throws IOException, CorruptBatchException {
        int limit = committedSize;
        long pos = sequenceIndex.floorValue(fromSequence, 0);
        long next = fromSequence;
        int records = 0;
        long bytes = 0;
        while (pos < limit) {
            int chunkLength = (int) Math.min(limit - pos, Math.max(MIN_CHUNK, maxBytes - bytes + indexIntervalBytes));
            ByteBuffer chunk = readAt(pos, chunkLength);
            int off = 0;
            while (off + BatchHeader.PREFIX_LENGTH <= chunk.limit()) {
                int entryLength = BatchHeader.entryLengthAt(chunk, off, maxPayload);
                if (off + entryLength > chunk.limit()) {
                    if (!out.isEmpty()) {
                        return next;
                    }
                    if (off == 0) {
                        chunk = readAt(pos, entryLength);
                    } else {
                        break;
                    }
                }
                BatchHeader h = BatchHeader.parse(chunk, off);
                if (h.baseSequence() >= highWaterMark) {
                    return next;
                }
                if (h.nextSequence() > fromSequence) {
                    if (!out.isEmpty()
                            && (records + h.recordCount() > maxRecords || bytes + h.payloadLength() > maxBytes)) {
                        return next;
                    }
                    ByteBuffer payload = chunk.slice(off + h.headerLength(), h.payloadLength())
                            .asReadOnlyBuffer();
                    out.add(new StoredBatch(
                            h.baseSequence(),
                            h.recordCount(),
                            h.codec(),
                            h.appendTimeMs(),
                            h.firstEventTimeMs(),
                            h.lastEventTimeMs(),
                            h.producer(),
                            h.producerFirstSeq(),
                            h.producerLastSeq(),
                            payload));
                    records += h.recordCount();
                    bytes += h.payloadLength();
                    next = h.nextSequence();
                    if (records >= maxRecords || bytes >= maxBytes) {
                        return next;
                    }
                }
                off += entryLength;
            }
            if (off == 0) {
                throw new CorruptBatchException(logFile + ": partial batch at committed position " + pos);
            }
            pos += off;
        }
        return next;
    }

    private ByteBuffer readAt(long position, int length) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(length);
        while (buf.hasRemaining()) {
            if (channel.read(buf, position + buf.position()) < 0) {
                throw new EOFException(logFile + ": unexpected end at " + (position + buf.position()));
            }
        }
        return buf.flip();
    }

    void close() throws IOException {
        channel.close();
    }

    /** Closes the channel and deletes the log and index files. */
    void delete() throws IOException {
        close();
        Files.deleteIfExists(indexFile());
        Files.deleteIfExists(timeIndexFile());
        Files.deleteIfExists(logFile);
    }

    @Override
    public String toString() {
        return logFile.toString();
    }
}
