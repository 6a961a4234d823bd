package io.tributary.hub.store;

/**
 * The producer run does not continue the producer's stored sequence ({@link ProducerLookup.Outcome#GAP}): an earlier
 * run is missing. Retriable: once the producer resends the missing runs in order, this one is accepted.
 */
public final class ProducerGapException extends ShardStoreException {
    private final long expected;

    public ProducerGapException(ShardKey shard, ProducerKey producer, long first, long highest) {
        super(shard, "producer " + producer + " run starts at " + first + ", expected " + (highest + 1), null);
        this.expected = highest + 1;
    }

    /** The producer sequence the shard expects next. */
    public long expected() {
        return expected;
    }

    @Override
    public boolean retriable() {
        return true;
    }
}
