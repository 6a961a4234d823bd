package io.tributary.hub.store.local;

import io.tributary.hub.store.ReadResult;
import io.tributary.hub.store.ShardInfo;
import io.tributary.hub.store.ShardKey;
import io.tributary.hub.store.ShardStatus;
import io.tributary.hub.store.ShardUnavailableException;
import io.tributary.hub.store.StoredBatch;
import io.tributary.hub.store.TrimmedException;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The readable state of one shard: its segments, the high-water mark and its status, plus the read paths.
 *
 * <p>Threads: the writer thread changes the segment list and the high-water mark (both published through volatile
 * fields); any thread may read. A reader takes one snapshot of the high-water mark, then of the segments, and never
 * reads at or above that mark, so it never waits for the writer and never sees data that is not yet durable. A
 * segment deleted by retention under a reader surfaces as {@link TrimmedException}.
 */
final class ShardLog {
    private static final Logger LOG = LoggerFactory.getLogger(ShardLog.class);

    private final ShardKey key;
    private volatile Segment[] segments;
    private volatile long highWaterMark;
    private volatile String offlineCause = "";
    private volatile Throwable offlineError;

    ShardLog(ShardKey key, List<Segment> segments, long highWaterMark) {
        this.key = key;
        this.segments = segments.toArray(new Segment[0]);
        this.highWaterMark = highWaterMark;
    }

    ShardKey key() {
        return key;
    }

    // ---- writer side ----

    Segment active() {
        Segment[] s = segments;
        return s[s.length - 1];
    }

    Segment[] segments() {
        return segments;
    }

    void addSegment(Segment segment) {
        Segment[] s = segments;
        Segment[] grown = Arrays.copyOf(s, s.length + 1);
        grown[s.length] = segment;
        segments = grown;
    }

    /** Removes the {@code n} oldest segments from the readable list (the caller deletes their files). */
    void removeOldest(int n) {
        Segment[] s = segments;
        segments = Arrays.copyOfRange(s, n, s.length);
    }

    /**
     * After a cut ({@code truncate}, {@code resetTo}): the new segments and high-water mark. A reader holding the old
     * mark or the old segments reads no more than before; the caller closes the replaced segments afterwards, so such
     * a reader retries on the new ones, and shortens files only then.
     */
    void replace(List<Segment> newSegments, long newHighWaterMark) {
        highWaterMark = newHighWaterMark;
        segments = newSegments.toArray(new Segment[0]);
    }

    void publish(long newHighWaterMark) {
        highWaterMark = newHighWaterMark;
    }

    void goOffline(String cause, Throwable error) {
        if (offlineCause.isEmpty()) {
            offlineError = error;
            offlineCause = cause;
            LOG.error("{}: shard OFFLINE: {}", key, cause, error);
        }
    }

    boolean online() {
        return offlineCause.isEmpty();
    }

    /** The error that took the shard offline; null while online or when it was closed. */
    Throwable offlineError() {
        return offlineError;
    }

    ShardUnavailableException unavailable() {
        return new ShardUnavailableException(key, offlineCause, offlineError);
    }

    // ---- reader side ----

    long highWaterMark() {
        return highWaterMark;
    }

    ReadResult read(long fromSequence, int maxRecords, int maxBytes) {
        if (maxRecords <= 0 || maxBytes <= 0) {
            throw new IllegalArgumentException("maxRecords and maxBytes must be positive");
        }
        checkOnline();
        long hwm = highWaterMark;
        Segment[] segs = segments;
        if (fromSequence < segs[0].baseSequence()) {
            throw new TrimmedException(key, fromSequence, segs[0].baseSequence());
        }
        if (fromSequence > hwm) {
            throw new IllegalArgumentException(key + ": read from " + fromSequence + " beyond high-water mark " + hwm);
        }
        List<StoredBatch> out = new ArrayList<>();
        long next = fromSequence;
        int records = 0;
        long bytes = 0;
        try {
            for (int i = floorIndex(segs, fromSequence); i < segs.length && next < hwm; i++) {
                int before = out.size();
                next = segs[i].read(next, hwm, maxRecords - records, (long) maxBytes - bytes, out);
                for (int j = before; j < out.size(); j++) {
                    records += out.get(j).recordCount();
                    bytes += out.get(j).payload().remaining();
                }
                boolean segmentDone = i + 1 < segs.length && next == segs[i + 1].baseSequence();
                if (records >= maxRecords || bytes >= maxBytes || !segmentDone) {
                    break;
                }
            }
        } catch (ClosedChannelException e) {
            retryAfterClosedChannel(segs, e);
            return read(fromSequence, maxRecords, maxBytes);
        } catch (IOException | CorruptBatchException e) {
            goOffline("read failed: " + e.getMessage(), e);
            throw unavailable();
        }
        return new ReadResult(out, next, hwm);
    }

    long sequenceForTimestamp(long timestampMs, int maxPayload) {
        checkOnline();
        long hwm = highWaterMark;
        Segment[] segs = segments;
        try {
            for (Segment seg : segs) {
                if (seg.lastAppendTimeMs() < timestampMs) {
                    continue;
                }
                long startSeq = seg.timeIndex.lowerValue(timestampMs, seg.baseSequence());
                long pos = seg.sequenceIndex.floorValue(startSeq, 0);
                SegmentScanner scanner = new SegmentScanner(seg.channel(), pos, seg.committedSize(), maxPayload, false);
                for (BatchHeader h = scanner.next(); h != null; h = scanner.next()) {
                    if (h.baseSequence() >= hwm) {
                        return hwm;
                    }
                    if (h.appendTimeMs() >= timestampMs) {
                        return h.baseSequence();
                    }
                }
            }
        } catch (ClosedChannelException e) {
            retryAfterClosedChannel(segs, e);
            return sequenceForTimestamp(timestampMs, maxPayload);
        } catch (IOException e) {
            goOffline("time lookup failed: " + e.getMessage(), e);
            throw unavailable();
        }
        return hwm;
    }

    ShardInfo info() {
        Segment[] segs = segments;
        long retained = 0;
        for (Segment s : segs) {
            retained += s.committedSize();
        }
        return new ShardInfo(
                key,
                segs[0].baseSequence(),
                highWaterMark,
                retained,
                segs.length,
                online() ? ShardStatus.ONLINE : ShardStatus.OFFLINE,
                offlineCause,
                ""); // the hub writes every shard of its local store
    }

    /**
     * A channel closed under a reader: fine when retention removed the segment meanwhile (the caller retries and gets
     * a trimmed answer or the data), otherwise the shard was closed or a reader thread was interrupted (which closes
     * a {@code FileChannel} for everyone), and the shard cannot serve until reopened.
     */
    private void retryAfterClosedChannel(Segment[] seen, ClosedChannelException e) {
        checkOnline();
        if (segments == seen) {
            goOffline("segment channel closed under a reader (interrupted reader thread?)", e);
            throw unavailable();
        }
    }

    /** Marks the shard closed so that readers get a clear error; not an error worth an alarm. */
    void markClosed() {
        if (offlineCause.isEmpty()) {
            offlineCause = "shard closed";
        }
    }

    void checkOnline() {
        if (!online()) {
            throw unavailable();
        }
    }

    /** Index of the last segment starting at or below {@code sequence} (0 when none does). */
    static int floorIndex(Segment[] segs, long sequence) {
        int lo = 0;
        int hi = segs.length - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (segs[mid].baseSequence() <= sequence) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }
}
