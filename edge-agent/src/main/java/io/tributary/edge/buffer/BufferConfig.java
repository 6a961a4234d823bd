package io.tributary.edge.buffer;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Immutable settings of a {@link DurableBuffer}. Build with {@link #builder(Path, String)}.
 *
 * @param directory the buffer's own directory: segment files {@code segment-<n>.log} and a lock file (see
 *     {@link io.tributary.edge.buffer.log.BufferLog})
 * @param agentId written into every record id
 * @param quotaBytes the most stored bytes (sum of encoded chunk sizes, see {@link ChunkCodec}) before the overflow
 *     policy applies
 * @param overflowPolicy what to do when an append would exceed the quota
 * @param queueCapacity appends waiting for the writer beyond this complete at once with {@link AppendOutcome#BUSY}
 * @param maxBatchRecords the most appends the writer takes into one commit
 * @param maxChunkBytes a chunk (one stored value) is sealed once its records pass this many bytes
 * @param aggregateWindow the tumbling window of {@link OverflowPolicy#AGGREGATE_OLDEST}
 * @param sweepInterval how often the writer looks for expired records when idle
 * @param segmentBytes a segment file is closed and a new one started once it passes this size
 * @param diskReserveBytes bytes kept in a reserve file ({@code disk.reserve}) in the directory: when the file system
 *     fills up, the buffer deletes it to have room to record releases (and so free segments) while it refuses new
 *     records, and accepts again only once it could write it back with as much space again left free; 0 for none
 *     (a full disk may then need an operator to free space)
 */
public record BufferConfig(
        Path directory,
        String agentId,
        long quotaBytes,
        OverflowPolicy overflowPolicy,
        int queueCapacity,
        int maxBatchRecords,
        int maxChunkBytes,
        Duration aggregateWindow,
        Duration sweepInterval,
        long segmentBytes,
        long diskReserveBytes) {

    public BufferConfig {
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(agentId, "agentId");
        Objects.requireNonNull(overflowPolicy, "overflowPolicy");
        Objects.requireNonNull(aggregateWindow, "aggregateWindow");
        Objects.requireNonNull(sweepInterval, "sweepInterval");
        if (quotaBytes <= 0 || queueCapacity <= 0 || maxBatchRecords <= 0 || maxChunkBytes <= 0 || segmentBytes <= 0) {
            throw new IllegalArgumentException(
                    "quotaBytes, queueCapacity, maxBatchRecords, maxChunkBytes and segmentBytes must be > 0");
        }
        if (diskReserveBytes < 0) {
            throw new IllegalArgumentException("diskReserveBytes must be >= 0");
        }
        if (aggregateWindow.toMillis() <= 0 || sweepInterval.toMillis() <= 0) {
            throw new IllegalArgumentException("aggregateWindow and sweepInterval must be at least 1 ms");
        }
    }

    /**
     * Defaults: 1 GiB quota, reject new, 64k queue, 8k records per commit, 256 KiB chunks, 60 s windows, 32 MiB
     * segments, 4 MiB disk reserve.
     */
    public static Builder builder(Path directory, String agentId) {
        return new Builder(directory, agentId);
    }

    /** Mutable builder; not thread-safe. */
    public static final class Builder {
        private final Path directory;
        private final String agentId;
        private long quotaBytes = 1L << 30;
        private OverflowPolicy overflowPolicy = OverflowPolicy.REJECT_NEW;
        private int queueCapacity = 65_536;
        private int maxBatchRecords = 8_192;
        private int maxChunkBytes = 256 * 1024;
        private Duration aggregateWindow = Duration.ofMinutes(1);
        private Duration sweepInterval = Duration.ofSeconds(1);
        private long segmentBytes = 32L * 1024 * 1024;
        private long diskReserveBytes = 4L * 1024 * 1024;

        private Builder(Path directory, String agentId) {
            this.directory = directory;
            this.agentId = agentId;
        }

        public Builder quotaBytes(long v) {
            quotaBytes = v;
            return this;
        }

        public Builder overflowPolicy(OverflowPolicy v) {
            overflowPolicy = v;
            return this;
        }

        public Builder queueCapacity(int v) {
            queueCapacity = v;
            return this;
        }

        public Builder maxBatchRecords(int v) {
            maxBatchRecords = v;
            return this;
        }

        public Builder maxChunkBytes(int v) {
            maxChunkBytes = v;
            return this;
        }

        public Builder aggregateWindow(Duration v) {
            aggregateWindow = v;
            return this;
        }

        public Builder sweepInterval(Duration v) {
            sweepInterval = v;
            return this;
        }

        public Builder segmentBytes(long v) {
            segmentBytes = v;
            return this;
        }

        public Builder diskReserveBytes(long v) {
            diskReserveBytes = v;
            return this;
        }

        public BufferConfig build() {
            return new BufferConfig(
                    directory,
                    agentId,
                    quotaBytes,
                    overflowPolicy,
                    queueCapacity,
                    maxBatchRecords,
                    maxChunkBytes,
                    aggregateWindow,
                    sweepInterval,
                    segmentBytes,
                    diskReserveBytes);
        }
    }
}
