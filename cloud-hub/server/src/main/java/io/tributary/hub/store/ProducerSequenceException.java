package io.tributary.hub.store;

/**
 * The producer run partly overlaps runs already stored ({@link ProducerLookup.Outcome#OVERLAP}): storing it would
 * duplicate records, skipping it would lose some. Not retriable; the producer must resend the exact original runs.
 */
public final class ProducerSequenceException extends ShardStoreException {
    public ProducerSequenceException(ShardKey shard, ProducerKey producer, long first, long last, long highest) {
        super(
                shard,
                "producer run " + producer + " " + first + ".." + last + " overlaps stored runs (highest stored "
                        + highest + ")",
                null);
    }

    @Override
    public boolean retriable() {
        return false;
    }
}
