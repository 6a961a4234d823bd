package io.tributary.hub.stream;

import io.tributary.hub.store.RetentionPolicy;
import io.tributary.hub.store.ShardKey;
import io.tributary.hub.store.ShardStore;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies every stream's retention (max age, max bytes) to its shards, on a fixed delay. A failed pass is logged and
 * the next one runs as usual. Runs on the scheduler it is given; stops with it.
 */
public final class RetentionScheduler {
    private static final Logger log = LoggerFactory.getLogger(RetentionScheduler.class);

    private final StreamRegistry streams;
    private final ShardStore store;

    private RetentionScheduler(StreamRegistry streams, ShardStore store) {
        this.streams = streams;
        this.store = store;
    }

    /** Schedules a pass every {@code every}, the first after {@code every}. */
    public static RetentionScheduler start(
            StreamRegistry streams, ShardStore store, ScheduledExecutorService scheduler, Duration every) {
        RetentionScheduler r = new RetentionScheduler(streams, store);
        long ms = every.toMillis();
        scheduler.scheduleWithFixedDelay(r::applyRetention, ms, ms, TimeUnit.MILLISECONDS);
        return r;
    }

    /** One pass over every stream with a retention limit. */
    public void applyRetention() {
        try {
            for (StreamDefinition s : streams.list()) {
                RetentionPolicy policy = new RetentionPolicy(
                        s.retention().maxAge().toMillis(), s.retention().maxBytes());
                if (policy.maxAgeMs() <= 0 && policy.maxBytes() <= 0) {
                    continue;
                }
                for (ShardDefinition shard : s.shards()) {
                    store.enforceRetention(new ShardKey(s.name(), shard.id()), policy);
                }
            }
        } catch (RuntimeException e) {
            log.warn("retention pass failed: {}", e.toString());
        }
    }
}
