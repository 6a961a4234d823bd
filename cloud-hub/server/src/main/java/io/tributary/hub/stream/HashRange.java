package io.tributary.hub.stream;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/**
 * An inclusive range {@code [start, end]} of the unsigned 64-bit partition-key hash space. Values are Java
 * {@code long}s read as unsigned: {@code -1L} is {@code 0xFFFFFFFFFFFFFFFF}. Immutable.
 */
public record HashRange(long start, long end) {

    /** The whole hash space, {@code [0, 2^64 - 1]}. */
    public static final HashRange FULL = new HashRange(0L, -1L);

    private static final BigInteger SPACE = BigInteger.ONE.shiftLeft(64);

    public HashRange {
        if (Long.compareUnsigned(start, end) > 0) {
            throw new StreamException(
                    StreamException.Reason.INVALID,
                    "hash range start " + Long.toUnsignedString(start) + " is after end " + Long.toUnsignedString(end));
        }
    }

    /**
     * Splits the whole space into {@code count} contiguous ranges whose sizes differ by at most one, in ascending
     * order; the last one ends at {@code 2^64 - 1}.
     */
    public static List<HashRange> splitEvenly(int count) {
        if (count < 1) {
            throw new StreamException(StreamException.Reason.INVALID, "range count must be >= 1, was " + count);
        }
        List<HashRange> ranges = new ArrayList<>(count);
        BigInteger n = BigInteger.valueOf(count);
        long start = 0L;
        for (int i = 1; i <= count; i++) {
            // floor(i * 2^64 / n) is the first hash of range i; exact in BigInteger, then wrapped to unsigned long.
            long nextStart = SPACE.multiply(BigInteger.valueOf(i)).divide(n).longValue();
            ranges.add(new HashRange(start, nextStart - 1));
            start = nextStart;
        }
        return List.copyOf(ranges);
    }

    public boolean contains(long hash) {
        return Long.compareUnsigned(hash, start) >= 0 && Long.compareUnsigned(hash, end) <= 0;
    }

    /** The first hash of the upper half: where a split with no explicit hash cuts. Needs at least two hashes. */
    public long midpoint() {
        if (start == end) {
            throw new StreamException(
                    StreamException.Reason.INVALID, "range " + this + " holds a single hash and cannot be split");
        }
        return start + ((end - start) >>> 1) + 1;
    }

    /**
     * Splits into {@code [start, at - 1]} and {@code [at, end]}; {@code at} must lie in {@code (start, end]}.
     */
    public List<HashRange> splitAt(long at) {
        if (Long.compareUnsigned(at, start) <= 0 || Long.compareUnsigned(at, end) > 0) {
            throw new StreamException(
                    StreamException.Reason.INVALID,
                    "split hash " + Long.toUnsignedString(at) + " must be in (" + Long.toUnsignedString(start) + ", "
                            + Long.toUnsignedString(end) + "]");
        }
        return List.of(new HashRange(start, at - 1), new HashRange(at, end));
    }

    /** True when one range ends exactly one hash before the other starts. */
    public boolean isAdjacentTo(HashRange other) {
        return (end != -1L && end + 1 == other.start) || (other.end != -1L && other.end + 1 == start);
    }

    /** The union of two adjacent ranges. */
    public HashRange union(HashRange other) {
        if (!isAdjacentTo(other)) {
            throw new StreamException(
                    StreamException.Reason.NOT_ADJACENT, "ranges " + this + " and " + other + " are not adjacent");
        }
        return Long.compareUnsigned(start, other.start) < 0
                ? new HashRange(start, other.end)
                : new HashRange(other.start, end);
    }

    @Override
    public String toString() {
        return "[" + Long.toUnsignedString(start) + ", " + Long.toUnsignedString(end) + "]";
    }
}
