/**
 * Batch ingest: validates a producer's or agent's batch, enforces quotas, de-duplicates overlapping resends and appends
 * it to its shard; a {@link io.tributary.hub.server.FrameService} for {@code Batch} frames.
 */
package io.tributary.hub.ingest;
