package io.tributary.hub.store;

/**
 * How much of a shard to keep. Stores delete whole segments only and never the one being written, so a shard may
 * hold somewhat more than the limits.
 *
 * @param maxAgeMs delete a segment once its newest batch is older than this (by append time); {@code <= 0} disables
 * @param maxBytes delete oldest segments while the shard holds more than this; {@code <= 0} disables
 */
public record RetentionPolicy(long maxAgeMs, long maxBytes) {
    /** Keeps everything. */
    public static final RetentionPolicy UNLIMITED = new RetentionPolicy(0, 0);
}
