package io.tributary.hub.client;

import io.tributary.protocol.v1.Codec;
import java.time.Duration;
import java.util.Objects;
import java.util.UUID;

/**
 * How a {@link Producer} batches and retries.
 *
 * @param stream the stream records go to
 * @param producerId stable id of this producer (the record ids' agent id); de-duplication is per producer id
 * @param codec batch compression
 * @param maxBatchRecords records per batch at most
 * @param maxBatchBytes approximate uncompressed bytes per batch at most
 * @param linger how long a partial batch waits for more records
 * @param maxInFlightBatches batches sent but not yet acknowledged, at most
 * @param maxBufferedRecords records accepted but not yet acknowledged, at most; {@code put} fails fast beyond it
 * @param deliveryTimeout how long a record may stay unacknowledged before its future fails
 * @param backoffInitial first retry delay
 * @param backoffMax largest retry delay
 */
public record ProducerOptions(
        String stream,
        String producerId,
        Codec codec,
        int maxBatchRecords,
        int maxBatchBytes,
        Duration linger,
        int maxInFlightBatches,
        int maxBufferedRecords,
        Duration deliveryTimeout,
        Duration backoffInitial,
        Duration backoffMax) {

    public ProducerOptions {
        Objects.requireNonNull(stream, "stream");
        Objects.requireNonNull(producerId, "producerId");
        if (maxBatchRecords < 1 || maxBatchBytes < 1 || maxInFlightBatches < 1 || maxBufferedRecords < 1) {
            throw new IllegalArgumentException("batch and in-flight limits must be positive");
        }
    }

    /** Defaults: LZ4, 1,000 records or 1 MiB per batch, 5 ms linger, 32 batches in flight, 2 minutes to deliver. */
    public static ProducerOptions defaults(String stream) {
        return new ProducerOptions(
                stream,
                "producer-" + UUID.randomUUID(),
                Codec.CODEC_LZ4,
                1000,
                1 << 20,
                Duration.ofMillis(5),
                32,
                1_000_000,
                Duration.ofMinutes(2),
                Duration.ofMillis(50),
                Duration.ofSeconds(5));
    }

    public ProducerOptions withProducerId(String id) {
        return new ProducerOptions(
                stream,
                id,
                codec,
                maxBatchRecords,
                maxBatchBytes,
                linger,
                maxInFlightBatches,
                maxBufferedRecords,
                deliveryTimeout,
                backoffInitial,
                backoffMax);
    }

    public ProducerOptions withBatching(int records, Duration lingerTime, int inFlight) {
        return new ProducerOptions(
                stream,
                producerId,
                codec,
                records,
                maxBatchBytes,
                lingerTime,
                inFlight,
                maxBufferedRecords,
                deliveryTimeout,
                backoffInitial,
                backoffMax);
    }

    public ProducerOptions withCodec(Codec value) {
        return new ProducerOptions(
                stream,
                producerId,
                value,
                maxBatchRecords,
                maxBatchBytes,
                linger,
                maxInFlightBatches,
                maxBufferedRecords,
                deliveryTimeout,
                backoffInitial,
                backoffMax);
    }

    public ProducerOptions withDeliveryTimeout(Duration value) {
        return new ProducerOptions(
                stream,
                producerId,
                codec,
                maxBatchRecords,
                maxBatchBytes,
                linger,
                maxInFlightBatches,
                maxBufferedRecords,
                value,
                backoffInitial,
                backoffMax);
    }
}
