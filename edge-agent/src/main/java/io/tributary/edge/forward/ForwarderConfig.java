package io.tributary.edge.forward;

import io.tributary.protocol.v1.Codec;
import java.time.Duration;
import java.util.Objects;

/**
 * Immutable settings of a {@link Forwarder}.
 *
 * @param stream the hub stream every batch goes to
 * @param codec batch compression
 * @param maxBatchRecords records per batch at most
 * @param maxBatchBytes serialized record bytes per batch at most (one larger record still goes alone)
 * @param linger how long a partial batch waits for more records before it is sent anyway
 * @param maxInFlightBatches batches sent on the connection and not yet acknowledged, at most
 * @param maxInFlightPerLane of those, at most this many for one lane, so one lane's backlog cannot take the window
 * @param partitionByDevice partition key {@code group/device} instead of {@code group}
 * @param backoffInitial first reconnect or retry delay
 * @param backoffMax largest reconnect or retry delay
 */
public record ForwarderConfig(
        String stream,
        Codec codec,
        int maxBatchRecords,
        int maxBatchBytes,
        Duration linger,
        int maxInFlightBatches,
        int maxInFlightPerLane,
        boolean partitionByDevice,
        Duration backoffInitial,
        Duration backoffMax) {

    public ForwarderConfig {
        Objects.requireNonNull(stream, "stream");
        Objects.requireNonNull(codec, "codec");
        Objects.requireNonNull(linger, "linger");
        Objects.requireNonNull(backoffInitial, "backoffInitial");
        Objects.requireNonNull(backoffMax, "backoffMax");
        if (stream.isBlank()) {
            throw new IllegalArgumentException("stream must not be empty");
        }
        if (maxBatchRecords < 1 || maxBatchBytes < 1 || maxInFlightBatches < 1 || maxInFlightPerLane < 1) {
            throw new IllegalArgumentException("batch and in-flight limits must be positive");
        }
        if (linger.isNegative() || backoffInitial.toMillis() < 1 || backoffMax.compareTo(backoffInitial) < 0) {
            throw new IllegalArgumentException("linger must be >= 0 and 1 ms <= backoffInitial <= backoffMax");
        }
    }

    /** LZ4, 1,000 records or 1 MiB per batch, 10 ms linger, 32 batches in flight (8 per lane), 100 ms..10 s backoff. */
    public static ForwarderConfig defaults(String stream) {
        return new ForwarderConfig(
                stream,
                Codec.CODEC_LZ4,
                1000,
                1 << 20,
                Duration.ofMillis(10),
                32,
                8,
                false,
                Duration.ofMillis(100),
                Duration.ofSeconds(10));
    }

    public ForwarderConfig withBatching(int records, int bytes, Duration lingerTime) {
        return new ForwarderConfig(
                stream,
                codec,
                records,
                bytes,
                lingerTime,
                maxInFlightBatches,
                maxInFlightPerLane,
                partitionByDevice,
                backoffInitial,
                backoffMax);
    }

    public ForwarderConfig withInFlight(int batches, int perLane) {
        return new ForwarderConfig(
                stream,
                codec,
                maxBatchRecords,
                maxBatchBytes,
                linger,
                batches,
                perLane,
                partitionByDevice,
                backoffInitial,
                backoffMax);
    }

    public ForwarderConfig withBackoff(Duration initial, Duration max) {
        return new ForwarderConfig(
                stream,
                codec,
                maxBatchRecords,
                maxBatchBytes,
                linger,
                maxInFlightBatches,
                maxInFlightPerLane,
                partitionByDevice,
                initial,
                max);
    }

    public ForwarderConfig withCodec(Codec value) {
        return new ForwarderConfig(
                stream,
                value,
                maxBatchRecords,
                maxBatchBytes,
                linger,
                maxInFlightBatches,
                maxInFlightPerLane,
                partitionByDevice,
                backoffInitial,
                backoffMax);
    }

    public ForwarderConfig withPartitionByDevice(boolean value) {
        return new ForwarderConfig(
                stream,
                codec,
                maxBatchRecords,
                maxBatchBytes,
                linger,
                maxInFlightBatches,
                maxInFlightPerLane,
                value,
                backoffInitial,
                backoffMax);
    }
}
