package io.tributary.edge.buffer.log;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The committed state the log describes: named counters, lane positions (released watermarks and markers, as
 * {@code [epoch, sequence]}) and where each live chunk is. Recovery rebuilds it by replaying transactions; the writer
 * keeps it current and writes it whole as the SNAPSHOT at the start of every segment.
 *
 * <p>Thread rules: the writer (or recovery) mutates; {@link #chunks} is concurrent so readers may look chunks up.
 */
final class LogState {

    /** Where a chunk is: the chunk bytes lie at {@code offset} in segment {@code segment}. */
    record Location(long segment, long offset, int length, byte[] meta) {
        /** Bytes of the whole CHUNK entry, what compaction would copy. */
        long entryBytes() {
            return LogEntries.FRAME + 1 + 8 + 4 + meta.length + length;
        }
    }

    final Map<String, Long> counters = new HashMap<>();
    final Map<String, long[]> released = new HashMap<>();
    final Map<String, long[]> markers = new HashMap<>();
    final Map<Long, Location> chunks = new ConcurrentHashMap<>();

    void writeSnapshot(LogEntries.Builder out) {
        out.begin(LogEntries.SNAPSHOT);
        out.putInt(counters.size());
        counters.forEach((name, value) -> out.putString(name).putLong(value));
        writePositions(out, released);
        writePositions(out, markers);
        List<long[]> ranges = ranges(new TreeSet<>(chunks.keySet()));
        out.putInt(ranges.size());
        for (long[] r : ranges) {
            out.putLong(r[0]).putInt((int) r[1]);
        }
        out.end();
    }

    /** Replaces everything but chunk locations with the snapshot, and forgets chunks it does not list as live. */
    void applySnapshot(java.nio.ByteBuffer body) {
        Map<String, Long> newCounters = new HashMap<>();
        int n = count(body);
        for (int i = 0; i < n; i++) {
            newCounters.put(LogEntries.getString(body), body.getLong());
        }
        Map<String, long[]> newReleased = readPositions(body);
        Map<String, long[]> newMarkers = readPositions(body);
        Set<Long> live = new java.util.HashSet<>();
        int ranges = count(body);
        for (int i = 0; i < ranges; i++) {
            long first = body.getLong();
            int length = body.getInt();
            if (length <= 0) {
                throw new LogEntries.CorruptEntryException("snapshot chunk range of length " + length);
            }
            for (int k = 0; k < length; k++) {
                live.add(first + k);
            }
        }
        counters.clear();
        counters.putAll(newCounters);
        released.clear();
        released.putAll(newReleased);
        markers.clear();
        markers.putAll(newMarkers);
        chunks.keySet().retainAll(live);
    }

    private static void writePositions(LogEntries.Builder out, Map<String, long[]> positions) {
        out.putInt(positions.size());
        positions.forEach((name, p) -> out.putString(name).putLong(p[0]).putLong(p[1]));
    }

    private static Map<String, long[]> readPositions(java.nio.ByteBuffer body) {
        Map<String, long[]> out = new HashMap<>();
        int n = count(body);
        for (int i = 0; i < n; i++) {
            out.put(LogEntries.getString(body), new long[] {body.getLong(), body.getLong()});
        }
        return out;
    }

    private static int count(java.nio.ByteBuffer body) {
        int n = body.getInt();
        if (n < 0 || n > body.remaining()) {
            throw new LogEntries.CorruptEntryException(
                    "snapshot count " + n + " with " + body.remaining() + " bytes left");
        }
        return n;
    }

    /** Sorted chunk numbers as [first, count] runs (chunk numbers are mostly consecutive). */
    static List<long[]> ranges(TreeSet<Long> sorted) {
        List<long[]> out = new ArrayList<>();
        long[] run = null;
        for (long no : sorted) {
            if (run != null && run[0] + run[1] == no && run[1] < Integer.MAX_VALUE) {
                run[1]++;
            } else {
                run = new long[] {no, 1};
                out.add(run);
            }
        }
        return out;
    }
}
