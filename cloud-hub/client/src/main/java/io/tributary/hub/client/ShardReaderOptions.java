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
        Duration backoffMax) {

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
                Duration.ofSeconds(2));
    }

    public ShardReaderOptions withCredit(int records, long bytes) {
        return new ShardReaderOptions(
                stream, shardId, start, records, bytes, group, leaseToken, backoffInitial, backoffMax);
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
                backoffMax);
    }
}
