package io.tributary.hub.store;

/**
 * Answer of {@link ShardStore#lookupProducer}: whether a producer run is already durable in the shard.
 *
 * @param outcome the classification of the run
 * @param baseSequence shard sequence of the stored run for {@link Outcome#DUPLICATE}; {@code -1} otherwise
 * @param recordCount records of the stored run for {@link Outcome#DUPLICATE}; {@code 0} otherwise
 * @param highestStoredSeq highest producer sequence stored for this producer key; {@code -1} if none
 */
public record ProducerLookup(Outcome outcome, long baseSequence, int recordCount, long highestStoredSeq) {

    /** Classification of a producer run against what the shard holds. */
    public enum Outcome {
        /** Nothing of the run is stored: append it. */
        NEW,
        /** Exactly this run is stored at {@code baseSequence}: acknowledge again, do not store. */
        DUPLICATE,
        /** The run is at or below the highest stored producer sequence, but older than the remembered window. */
        ALREADY_COVERED,
        /** Part of the run is stored and part is not: the producer re-batched; not appendable as is. */
        OVERLAP,
        /**
         * The run starts past the next expected sequence ({@code highest + 1}): an earlier run is missing (it failed
         * or is still on its way). Storing it would break the producer's order; the producer resends in order.
         */
        GAP
    }

    /** A run not stored yet. */
    public static ProducerLookup newRun(long highestStoredSeq) {
        return new ProducerLookup(Outcome.NEW, -1, 0, highestStoredSeq);
    }

    /** True for {@link Outcome#DUPLICATE} and {@link Outcome#ALREADY_COVERED}. */
    public boolean alreadyStored() {
        return outcome == Outcome.DUPLICATE || outcome == Outcome.ALREADY_COVERED;
    }
}
