package io.tributary.hub.store.local;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.zip.CRC32C;

/**
 * Removing the tail of a shard's log, or all of it, as one crash-safe step: keep the records below {@link
 * #keepBelow()} and continue at {@link #next()}. {@code truncate(from)} is the cut {@code (from, from)}; {@code
 * resetTo(n)} is {@code (0, n)}, which keeps nothing. Either {@code keepBelow == next} or {@code keepBelow == 0}, so
 * the shard stays contiguous.
 *
 * <p>A cut touches several files (later segments deleted, one log shortened, index files dropped), which no file
 * system does atomically. So the intent is made durable first, in the marker file {@code cut.pending} of the shard
 * directory ({@link #begin}); then the files are changed ({@link #apply}, idempotent); then the marker is deleted
 * ({@link #finish}). Recovery applies a marker it finds before anything else ({@link #redoPending}), so a crash at any
 * point leaves the old shard (no marker yet) or the cut one, never a mixture.
 *
 * <p>Marker format, big-endian, 24 bytes, written whole (temp file, fsync, atomic rename, directory fsync):
 *
 * <pre>
 * offset  size  field
 *  0      4     magic 0x54435554 ("TCUT")
 *  4      8     keepBelow
 * 12      8     next
 * 20      4     CRC32C over bytes [0, 20)
 * </pre>
 *
 * <p>Threads: the shard's writer thread, or recovery before the writer starts.
 */
record ShardCut(long keepBelow, long next) {
    static final String MARKER = "cut.pending";
    private static final int MAGIC = 0x54435554;
    private static final int MARKER_BYTES = 24;

    ShardCut {
        if (keepBelow < 0 || next < keepBelow || (keepBelow != next && keepBelow != 0)) {
            throw new IllegalArgumentException("invalid cut: keep below " + keepBelow + ", next " + next);
        }
    }

    /** Makes the cut's intent durable; from here on, recovery completes the cut if the process dies. */
    void begin(Path dir, FileChannelFactory files) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(MARKER_BYTES);
        buf.putInt(MAGIC).putLong(keepBelow).putLong(next).putInt(crc(buf));
        buf.flip();
        Path tmp = dir.resolve(MARKER + ".tmp");
        try (FileChannel ch = files.open(
                tmp,
                Set.of(StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE))) {
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        }
        Files.move(tmp, dir.resolve(MARKER), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        ShardRecovery.syncDirectory(dir, files);
    }

    /**
     * Changes the files: deletes every segment starting at or after {@code keepBelow} (except one starting at {@code
     * next}, which is emptied), shortens the segment that holds {@code keepBelow} to end there, drops the index files
     * of the segment that becomes the active one, and creates an empty segment at {@code next} when none is left.
     * Idempotent, so recovery can repeat a cut that a crash interrupted.
     *
     * @param cutPosition byte position of the batch starting at {@code keepBelow} in the segment that holds it, when
     *     the caller knows it; {@code -1} to find it by scanning that segment
     */
    void apply(Path dir, long cutPosition, LocalStoreConfig config, FileChannelFactory files) throws IOException {
        List<Long> bases = ShardRecovery.listBases(dir);
        Long last = null;
        for (int i = bases.size() - 1; i >= 0; i--) {
            long base = bases.get(i);
            if (base >= keepBelow && base != next) {
                // Later segments first: were the marker ever lost, what is left would still be a contiguous prefix.
                Files.deleteIfExists(dir.resolve(Segment.fileName(base, ".index")));
                Files.deleteIfExists(dir.resolve(Segment.fileName(base, ".timeindex")));
                Files.deleteIfExists(dir.resolve(Segment.fileName(base, ".log")));
                continue;
            }
            if (last == null) {
                last = base;
                shorten(dir, base, base == next ? 0 : cutPosition, config, files);
            }
            if (base < keepBelow) {
                break; // segments below the one holding keepBelow are untouched
            }
        }
        if (last == null) {
            Segment.open(dir, next, config, files).close();
        }
        ShardRecovery.syncDirectory(dir, files);
    }

    /** The cut is complete: removes the marker. */
    static void finish(Path dir, FileChannelFactory files) throws IOException {
        Files.deleteIfExists(dir.resolve(MARKER));
        ShardRecovery.syncDirectory(dir, files);
    }

    /** Recovery: completes a cut that a crash interrupted, if the directory holds a marker. */
    static Optional<ShardCut> redoPending(Path dir, LocalStoreConfig config, FileChannelFactory files)
            throws IOException {
        Path marker = dir.resolve(MARKER);
        if (!Files.exists(marker)) {
            return Optional.empty();
        }
        ByteBuffer buf = ByteBuffer.wrap(Files.readAllBytes(marker));
        if (buf.capacity() != MARKER_BYTES
                || buf.getInt(0) != MAGIC
                || buf.getInt(MARKER_BYTES - 4) != crc(buf.duplicate().position(MARKER_BYTES - 4))) {
            throw new IOException(marker + " is damaged; refusing to guess which records to keep");
        }
        ShardCut cut = new ShardCut(buf.getLong(4), buf.getLong(12));
        cut.apply(dir, -1, config, files);
        finish(dir, files);
        return Optional.of(cut);
    }

    /**
     * Cuts the log of the segment at {@code base} at {@code position}, or, when that is {@code -1}, where {@code
     * keepBelow} starts (after the batch that ends below it, whether or not an intact batch follows: the cut may have
     * been interrupted by a power cut that zeroed the partial page; left as it is when the segment ends before that:
     * it was cut before, or ends earlier), and drops its index files: it becomes the active segment.
     */
    private void shorten(Path dir, long base, long position, LocalStoreConfig config, FileChannelFactory files)
            throws IOException {
        Segment segment = Segment.open(dir, base, config, files);
        try {
            long size = segment.channel().size();
            long at = position;
            if (at < 0) {
                at = segment.startOf(keepBelow, size);
            }
            if (at >= 0 && at < size) {
                segment.channel().truncate(at);
                segment.channel().force(true);
            }
        } finally {
            segment.close();
        }
        Files.deleteIfExists(dir.resolve(Segment.fileName(base, ".index")));
        Files.deleteIfExists(dir.resolve(Segment.fileName(base, ".timeindex")));
    }

    private static int crc(ByteBuffer buf) {
        CRC32C crc = new CRC32C();
        crc.update(buf.duplicate().flip());
        return (int) crc.getValue();
    }
}
