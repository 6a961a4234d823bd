package io.tributary.hub.store;

/**
 * Outcome of {@link ShardStore#append}: where the batch's records live in the shard.
 *
 * @param baseSequence shard sequence of the first record (the batch holds {@code base .. base + count - 1}); for a
 *     {@link Status#DUPLICATE} whose original run is older than the producer window this is {@code -1}
 * @param recordCount number of records of the batch
 * @param status whether the batch was written now or had been stored before
 */
public record AppendResult(long baseSequence, int recordCount, Status status) {

    /** Whether the append wrote new data. */
    public enum Status {
        /** The batch was written and is durable (per the store's durability mode). */
        APPENDED,
        /** The same producer run was stored before; nothing was written and the original is durable. */
        DUPLICATE
    }

    /** True when this producer run had already been stored. */
    public boolean duplicate() {
        return status == Status.DUPLICATE;
    }
}
