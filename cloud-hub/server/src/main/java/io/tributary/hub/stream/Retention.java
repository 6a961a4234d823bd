package io.tributary.hub.stream;

import java.time.Duration;
import java.util.Objects;

/**
 * How long a stream keeps records: by age and by bytes per shard. Zero means no limit on that axis. Immutable.
 *
 * @param maxAge records older than this may be deleted; {@link Duration#ZERO} for no age limit
 * @param maxBytes a shard larger than this may delete its oldest segments; 0 for no size limit
 */
public record Retention(Duration maxAge, long maxBytes) {

    /** Keep everything. */
    public static final Retention UNLIMITED = new Retention(Duration.ZERO, 0L);

    public Retention {
        Objects.requireNonNull(maxAge, "maxAge");
        if (maxAge.isNegative() || maxBytes < 0) {
            throw new StreamException(
                    StreamException.Reason.INVALID,
                    "retention must not be negative (age " + maxAge + ", bytes " + maxBytes + ")");
        }
        // Persisted as whole milliseconds: keep the in-memory value equal to what reloads.
        if (maxAge.getNano() % 1_000_000 != 0) {
            throw new StreamException(StreamException.Reason.INVALID, "retention age must be whole milliseconds");
        }
    }

    /** From the wire fields ({@code uint64} millis and bytes); values above {@code Long.MAX_VALUE} are invalid. */
    public static Retention of(long maxAgeMillis, long maxBytes) {
        if (maxAgeMillis < 0 || maxBytes < 0) {
            throw new StreamException(StreamException.Reason.INVALID, "retention out of range");
        }
        return new Retention(Duration.ofMillis(maxAgeMillis), maxBytes);
    }
}
