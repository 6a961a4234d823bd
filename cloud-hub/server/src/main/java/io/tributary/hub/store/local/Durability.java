package io.tributary.hub.store.local;

/** When {@link LocalShardStore} completes an append future. */
public enum Durability {
    /**
     * After {@code FileChannel.force(false)} of the group commit that covers the batch: survives process crash, OS
     * crash and power loss. The default, and what the hub's "ack = durable" promise requires.
     */
    FSYNC,
    /**
     * Relaxed: after the batch is written to the OS page cache, without fsync (segments are still forced when rolled
     * and at close). Survives a crash of the hub process but not of the machine. For tests and benchmarks, or for
     * deployments that accept that risk (for example because a replica region holds the data).
     */
    PAGE_CACHE
}
