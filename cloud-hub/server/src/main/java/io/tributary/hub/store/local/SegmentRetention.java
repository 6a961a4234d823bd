package io.tributary.hub.store.local;

import io.tributary.hub.store.RetentionPolicy;
import io.tributary.hub.store.RetentionResult;
import io.tributary.protocol.time.ExpiryClock;
import java.io.IOException;
import java.time.Clock;

/**
 * Deletes whole segments of a shard, oldest first, while the oldest is older than the age limit (by the append time
 * of its newest batch, on an {@link ExpiryClock} over the injected clock) or the shard holds more than the size limit. The active segment is never
 * deleted. Segments leave the readable list before their files are deleted, so a concurrent reader either reads them
 * fully or gets a trimmed answer.
 *
 * <p>Threads: the shard's writer thread only.
 */
final class SegmentRetention {
    private final ShardLog log;
    /** Not the wall clock itself: a clock set forward by hours must not delete hours of records early. */
    private final ExpiryClock clock;

    SegmentRetention(ShardLog log, Clock clock) {
        this.log = log;
        this.clock = new ExpiryClock(clock);
    }

    RetentionResult enforce(RetentionPolicy policy) throws IOException {
        Segment[] segments = log.segments();
        long total = 0;
        for (Segment s : segments) {
            total += s.size();
        }
        long now = clock.millis();
        int victims = 0;
        long freed = 0;
        for (int i = 0; i < segments.length - 1; i++) {
            Segment s = segments[i];
            boolean tooOld = policy.maxAgeMs() > 0 && s.lastAppendTimeMs() < now - policy.maxAgeMs();
            boolean tooBig = policy.maxBytes() > 0 && total - freed > policy.maxBytes();
            if (!tooOld && !tooBig) {
                break;
            }
            victims++;
            freed += s.size();
        }
        if (victims > 0) {
            log.removeOldest(victims);
            for (int i = 0; i < victims; i++) {
                segments[i].delete();
            }
        }
        return new RetentionResult(victims, freed, log.segments()[0].baseSequence());
    }
}
