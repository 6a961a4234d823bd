package io.tributary.hub.store;

/**
 * How much of a shard to keep. The local store deletes whole segments only and never the one being written, so a shard
 * may hold somewhat more than the limits; the Pulsar store trims whole batches (see its {@code ShardRetention}).
 *
 * @param maxAgeMs delete a segment (on Pulsar: a batch) once its newest batch is older than this (by append time);
 *     {@code <= 0} disables
 * @param maxBytes delete the oldest segments (on Pulsar: batches, by payload) while the shard holds more than this;
 *     {@code <= 0} disables
 */
public record RetentionPolicy(long maxAgeMs, long maxBytes) {
    /** Keeps everything. */
    public static final RetentionPolicy UNLIMITED = new RetentionPolicy(0, 0);
}
