package io.tributary.hub.store.local;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Set;

/**
 * A sparse, sorted map from a non-decreasing {@code long} key to a {@code long} value, kept in memory and written to
 * a file when its segment is sealed. A segment has two: the <b>sequence index</b> ({@code .index}: batch base
 * sequence → byte position of the batch in the {@code .log}) and the <b>time index</b> ({@code .timeindex}: batch
 * append time → batch base sequence). An entry is added for the first batch of a segment and then for the first batch
 * after every {@code indexIntervalBytes} of log.
 *
 * <p>File format: a sequence of 16-byte entries, each {@code key:int64, value:int64} big-endian, in key order, no
 * header. Files are written whole (temp file, fsync, atomic rename) and are validated against the log at open.
 *
 * <p>Threads: one writer thread calls {@link #add}; any thread may call the lookups concurrently (entries are
 * published through a volatile count).
 */
final class SparseIndex {
    static final int ENTRY_BYTES = 16;

    private volatile long[] keys = new long[64];
    private volatile long[] values = new long[64];
    private volatile int count;

    /** Appends an entry; keys must not decrease. Writer thread only. */
    void add(long key, long value) {
        int n = count;
        if (n == keys.length) {
            // Grow values before keys: a reader that sees the new count also sees both grown arrays.
            values = Arrays.copyOf(values, n * 2);
            keys = Arrays.copyOf(keys, n * 2);
        }
        keys[n] = key;
        values[n] = value;
        count = n + 1;
    }

    int size() {
        return count;
    }

    /** Value of the last entry whose key is {@code <= key}, or {@code fallback} when there is none. */
    long floorValue(long key, long fallback) {
        int i = lastIndexBelow(key, true);
        return i < 0 ? fallback : values[i];
    }

    /** Value of the last entry whose key is {@code < key}, or {@code fallback} when there is none. */
    long lowerValue(long key, long fallback) {
        int i = lastIndexBelow(key, false);
        return i < 0 ? fallback : values[i];
    }

    private int lastIndexBelow(long key, boolean inclusive) {
        int n = count;
        long[] k = keys;
        int lo = 0;
        int hi = n - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            boolean below = inclusive ? k[mid] <= key : k[mid] < key;
            if (below) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }

    /** This index in its file form. */
    ByteBuffer encode() {
        int n = count;
        ByteBuffer buf = ByteBuffer.allocate(n * ENTRY_BYTES);
        for (int i = 0; i < n; i++) {
            buf.putLong(keys[i]).putLong(values[i]);
        }
        return buf.flip();
    }

    /** True when {@code file} exists and holds exactly this index. */
    boolean matchesFile(Path file) throws IOException {
        if (!Files.isRegularFile(file) || Files.size(file) != (long) count * ENTRY_BYTES) {
            return false;
        }
        return ByteBuffer.wrap(Files.readAllBytes(file)).equals(encode());
    }

    /** Writes the index to {@code file} atomically: temp file, fsync, rename. */
    void writeFile(Path file, FileChannelFactory files) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel ch = files.open(
                tmp,
                Set.of(StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE))) {
            ByteBuffer buf = encode();
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
