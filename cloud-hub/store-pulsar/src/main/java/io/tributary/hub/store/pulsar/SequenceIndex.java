package io.tributary.hub.store.pulsar;

import java.util.Arrays;
import org.apache.pulsar.client.api.MessageId;

/**
 * Every durable batch of one shard in sequence order: base sequence, record count, append time, payload size and the
 * Pulsar {@link MessageId} to position a reader at. Built by recovery from the topic and extended by each acknowledged
 * append; reads and {@code sequenceForTimestamp} search it, so they need no round trip to find a batch.
 *
 * <p>Memory: about 90 bytes per batch (four primitives and a {@code MessageId} object of the client), so 10 million
 * stored batches cost about 900 MB of heap; a sparse index (every n-th batch, scanning forward from it) is the step
 * after this first slice.
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
