package io.tributary.hub.store.pulsar;

import java.util.Arrays;
import org.apache.pulsar.client.api.MessageId;

/**
 * Every durable batch of one shard in sequence order: base sequence, record count, append time, payload size and the
 * Pulsar {@link MessageId} to position a reader at. Built by recovery from the topic and extended by each acknowledged
 * append; reads and {@code sequenceForTimestamp} search it, so they need no round trip to find a batch.
 *
 * <p>Memory: about 90 bytes per batch (four primitives and a {@code MessageId} object of the client), so 10 million
 * retained batches cost about 900 MB of heap; a sparse index (every n-th batch, scanning forward from it) is the step
 * after this first slice. Retention drops the trimmed batches ({@link #dropBelow}) and the arrays shrink with them, so
 * the index holds what the shard retains, not everything it ever stored.
 *
 * <p>Threads: not thread-safe; guarded by its {@link PulsarShard}'s lock.
 */
final class SequenceIndex {
    private long[] bases = new long[64];
    private int[] counts = new int[64];
    private long[] appendTimes = new long[64];
    private int[] sizes = new int[64];
    private MessageId[] ids = new MessageId[64];
    private int size;
    private long bytes;
    // The newest trim marker (retention never lets Pulsar delete it); null when the shard was never trimmed.
    private MessageId trimMarker;

    void add(long base, int count, long appendTimeMs, int payloadBytes, MessageId id) {
        if (size == bases.length) {
            int n = size * 2;
            bases = Arrays.copyOf(bases, n);
            counts = Arrays.copyOf(counts, n);
            appendTimes = Arrays.copyOf(appendTimes, n);
            sizes = Arrays.copyOf(sizes, n);
            ids = Arrays.copyOf(ids, n);
        }
        bases[size] = base;
        counts[size] = count;
        appendTimes[size] = appendTimeMs;
        sizes[size] = payloadBytes;
        ids[size] = id;
        size++;
        bytes += payloadBytes;
    }

    int size() {
        return size;
    }

    /** Retention wrote the trim marker {@code marker}, then trimmed below {@code oldest}: {@link #dropBelow}. */
    Dropped trimmed(long oldest, MessageId marker) {
        trimMarker = marker;
        return dropBelow(oldest);
    }

    /**
     * Where Pulsar must keep the topic from: the newest trim marker or the first retained batch, whichever comes first
     * in the topic (so that the marker, which says where the sequences go on, is never deleted); null when the shard
     * was never trimmed.
     */
    MessageId retainFrom() {
        if (trimMarker == null) {
            return null;
        }
        return size > 0 && ids[0].compareTo(trimMarker) < 0 ? ids[0] : trimMarker;
    }

    /** What {@link #dropBelow} removed: batches, records and payload bytes. */
    record Dropped(int batches, long records, long bytes) {}

    /**
     * Forgets every batch that starts below {@code sequence} (retention trimmed them); the arrays shrink to fit when at
     * most a quarter of them is used.
     */
    Dropped dropBelow(long sequence) {
        int n = firstAtOrAbove(sequence);
        if (n == 0) {
            return new Dropped(0, 0, 0);
        }
        long records = 0;
        long freed = 0;
        for (int i = 0; i < n; i++) {
            records += counts[i];
            freed += sizes[i];
        }
        int left = size - n;
        int capacity = left * 4 < bases.length ? Math.max(64, left * 2) : bases.length;
        bases = moveDown(bases, n, left, capacity);
        counts = moveDown(counts, n, left, capacity);
        appendTimes = moveDown(appendTimes, n, left, capacity);
        sizes = moveDown(sizes, n, left, capacity);
        MessageId[] keptIds = new MessageId[capacity];
        System.arraycopy(ids, n, keptIds, 0, left);
        ids = keptIds; // a new array either way: the dropped ids must not stay reachable
        size = left;
        bytes -= freed;
        return new Dropped(n, records, freed);
    }

    private static long[] moveDown(long[] a, int from, int length, int capacity) {
        long[] to = capacity == a.length ? a : new long[capacity];
        System.arraycopy(a, from, to, 0, length);
        return to;
    }

    private static int[] moveDown(int[] a, int from, int length, int capacity) {
        int[] to = capacity == a.length ? a : new int[capacity];
        System.arraycopy(a, from, to, 0, length);
        return to;
    }

    /** Index of the first batch that starts at or above {@code sequence}; {@link #size()} when none does. */
    int firstAtOrAbove(long sequence) {
        int i = Arrays.binarySearch(bases, 0, size, sequence);
        return i >= 0 ? i : -i - 1;
    }

    /** Batches the arrays have room for. */
    int capacity() {
        return bases.length;
    }

    long appendTime(int i) {
        return appendTimes[i];
    }

    /** Sum of the payload sizes. */
    long bytes() {
        return bytes;
    }

    long base(int i) {
        return bases[i];
    }

    int count(int i) {
        return counts[i];
    }

    int payloadBytes(int i) {
        return sizes[i];
    }

    MessageId id(int i) {
        return ids[i];
    }

    /** Index of the batch that contains {@code sequence}, which lies between the first base and the end. */
    int containing(long sequence) {
        int i = Arrays.binarySearch(bases, 0, size, sequence);
        return i >= 0 ? i : -i - 2;
    }

    /** Index of the first batch appended at or after {@code timestampMs}; {@link #size()} when none was. */
    int firstAppendedAtOrAfter(long timestampMs) {
        int lo = 0;
        int hi = size;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (appendTimes[mid] < timestampMs) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}
