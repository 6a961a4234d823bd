package io.tributary.hub.store.pulsar;

import io.tributary.hub.store.AppendResult;
import io.tributary.hub.store.BatchToAppend;
import io.tributary.hub.store.ProducerGapException;
import io.tributary.hub.store.ProducerLookup;
import io.tributary.hub.store.ProducerSequenceException;
import io.tributary.hub.store.ShardKey;

/** What an append answers from the lookup of its producer run, before anything is sent. Stateless. */
final class RunCheck {
    private RunCheck() {}

    /**
     * The DUPLICATE answer when {@code seen} says the run is stored (or covered by stored runs); null when the batch
     * is to be stored.
     *
     * @throws ProducerSequenceException when the run partly overlaps stored ones
     * @throws ProducerGapException when the run leaves a gap after the stored ones and the batch does not allow one
     */
    static AppendResult duplicateOrNull(ShardKey key, BatchToAppend b, ProducerLookup seen) {
        return switch (seen.outcome()) {
            case DUPLICATE -> new AppendResult(seen.baseSequence(), seen.recordCount(), AppendResult.Status.DUPLICATE);
            case ALREADY_COVERED -> new AppendResult(-1, b.recordCount(), AppendResult.Status.DUPLICATE);
            case OVERLAP ->
                throw new ProducerSequenceException(
                        key, b.producer(), b.producerFirstSeq(), b.producerLastSeq(), seen.highestStoredSeq());
            case GAP -> {
                if (!b.allowGap()) {
                    throw new ProducerGapException(key, b.producer(), b.producerFirstSeq(), seen.highestStoredSeq());
                }
                yield null;
            }
            default -> null;
        };
    }
}
