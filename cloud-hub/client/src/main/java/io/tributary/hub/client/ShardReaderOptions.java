package io.tributary.hub.client;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * What a {@link ShardReader} reads and how much it lets the hub push ahead. Immutable.
 *
 * @param stream the stream
 * @param shardId the shard
 * @param start where to start
 * @param creditRecords records the hub may push ahead of {@link ShardReader#poll}: the reader's memory bound
 * @param creditBytes payload bytes the hub may push ahead (0: bound by records only)
 * @param group consumer group the reader works for (fences the subscription by {@code leaseToken})
 * @param leaseToken the group lease's token
 * @param backoffInitial first reconnect delay
 * @param backoffMax longest reconnect delay
 * @param skipCorrupt when a stored batch does not decode (damaged on the hub's disk): skip its records, log an ERROR
 *     and count them ({@link ShardReader#skippedCorruptBatches()}) instead of failing {@link ShardReader#poll}
 */
public record ShardReaderOptions(
        String stream,
        String shardId,
        ReadPosition start,
        int creditRecords,
        long creditBytes,
        Optional<String> group,
        long leaseToken,
        Duration backoffInitial,
        Duration backoffMax,
        boolean skipCorrupt) {

    public ShardReaderOptions {
        Objects.requireNonNull(stream, "stream");
        Objects.requireNonNull(shardId, "shardId");
        Objects.requireNonNull(start, "start");
        if (creditRecords < 1) {
            throw new IllegalArgumentException("creditRecords must be at least 1");
        }
    }

    /** Reads {@code shardId} from {@code start} with a window of 1,000 records and 8 MiB. */
    public static ShardReaderOptions of(String stream, String shardId, ReadPosition start) {
        return new ShardReaderOptions(
                stream,
                shardId,
                start,
                1_000,
                8L << 20,
                Optional.empty(),
                0,
                Duration.ofMillis(50),
                Duration.ofSeconds(2),
                false);
    }

    public ShardReaderOptions withCredit(int records, long bytes) {
        return new ShardReaderOptions(
                stream, shardId, start, records, bytes, group, leaseToken, backoffInitial, backoffMax, skipCorrupt);
    }

    public ShardReaderOptions withLease(String consumerGroup, long token) {
        return new ShardReaderOptions(
                stream,
                shardId,
                start,
                creditRecords,
                creditBytes,
                Optional.of(consumerGroup),
                token,
                backoffInitial,
                backoffMax,
                skipCorrupt);
    }

    /**
     * Skips stored batches that do not decode instead of failing (each logged at ERROR and counted): for reading past
     * damage knowingly. Off by default.
     */
    public ShardReaderOptions withSkipCorrupt(boolean skip) {
        return new ShardReaderOptions(
                stream,
                shardId,
                start,
                creditRecords,
                creditBytes,
                group,
                leaseToken,
                backoffInitial,
                backoffMax,
                skip);
    }
}
