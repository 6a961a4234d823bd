package io.tributary.hub.client.group;

/** Records progress of one shard lease durably on the hub. Blocking; call from the processor's thread. */
public interface Checkpointer {
    /**
     * Checkpoints the last record delivered to the processor (at shard end: marks the shard finished).
     *
     * @throws CheckpointRefusedException when the lease moved on (stale token)
     */
    void checkpoint();

    /** Checkpoints up to and including {@code sequence}. */
    void checkpoint(long sequence);
}
