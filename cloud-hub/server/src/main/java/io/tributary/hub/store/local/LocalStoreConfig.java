package io.tributary.hub.store.local;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Settings of {@link LocalShardStore}. Immutable; build with {@link #builder(Path)}.
 *
 * @param dataDir root directory; shard {@code s/k} lives in {@code dataDir/s/k/}
 * @param segmentMaxBytes roll the active segment before it would exceed this size
 * @param segmentMaxAgeMs roll the active segment at the next append once its first batch is this old
 * @param indexIntervalBytes bytes of log between two sparse index entries
 * @param maxBatchBytes largest payload accepted in one batch
 * @param queueCapacity appends waiting per shard before new ones fail with {@code StoreBusyException}
 * @param maxGroupBatches most batches written by one group commit
 * @param producerWindow recent runs remembered per producer key for exact duplicate answers
 * @param durability when an append completes
 */
public record LocalStoreConfig(
        Path dataDir,
        int segmentMaxBytes,
        long segmentMaxAgeMs,
        int indexIntervalBytes,
        int maxBatchBytes,
        int queueCapacity,
        int maxGroupBatches,
        int producerWindow,
        Durability durability) {

    public LocalStoreConfig {
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(durability, "durability");
        require(segmentMaxBytes >= 1024, "segmentMaxBytes >= 1024");
        require(segmentMaxAgeMs > 0, "segmentMaxAgeMs > 0");
        require(indexIntervalBytes > 0, "indexIntervalBytes > 0");
        require(maxBatchBytes > 0 && maxBatchBytes <= 64 * 1024 * 1024, "0 < maxBatchBytes <= 64 MiB");
        require(queueCapacity > 0, "queueCapacity > 0");
        require(maxGroupBatches > 0, "maxGroupBatches > 0");
        require(producerWindow > 0, "producerWindow > 0");
    }

    private static void require(boolean ok, String rule) {
        if (!ok) {
            throw new IllegalArgumentException("invalid local store config: " + rule);
        }
    }

    public static Builder builder(Path dataDir) {
        return new Builder(dataDir);
    }

    /** Builder with the defaults documented on each setter. */
    public static final class Builder {
        private final Path dataDir;
        private int segmentMaxBytes = 128 * 1024 * 1024;
        private long segmentMaxAgeMs = 24L * 3600 * 1000;
        private int indexIntervalBytes = 4096;
        private int maxBatchBytes = 8 * 1024 * 1024;
        private int queueCapacity = 4096;
        private int maxGroupBatches = 512;
        private int producerWindow = 16;
        private Durability durability = Durability.FSYNC;

        private Builder(Path dataDir) {
            this.dataDir = dataDir;
        }

        /** Default 128 MiB. */
        public Builder segmentMaxBytes(int v) {
            segmentMaxBytes = v;
            return this;
        }

        /** Default 24 h. */
        public Builder segmentMaxAgeMs(long v) {
            segmentMaxAgeMs = v;
            return this;
        }

        /** Default 4 KiB. */
        public Builder indexIntervalBytes(int v) {
            indexIntervalBytes = v;
            return this;
        }

        /** Default 8 MiB. */
        public Builder maxBatchBytes(int v) {
            maxBatchBytes = v;
            return this;
        }

        /** Default 4096. */
        public Builder queueCapacity(int v) {
            queueCapacity = v;
            return this;
        }

        /** Default 512. */
        public Builder maxGroupBatches(int v) {
            maxGroupBatches = v;
            return this;
        }

        /** Default 16. */
        public Builder producerWindow(int v) {
            producerWindow = v;
            return this;
        }

        /** Default {@link Durability#FSYNC}. */
        public Builder durability(Durability v) {
            durability = v;
            return this;
        }

        public LocalStoreConfig build() {
            return new LocalStoreConfig(
                    dataDir,
                    segmentMaxBytes,
                    segmentMaxAgeMs,
                    indexIntervalBytes,
                    maxBatchBytes,
                    queueCapacity,
                    maxGroupBatches,
                    producerWindow,
                    durability);
        }
    }
}
