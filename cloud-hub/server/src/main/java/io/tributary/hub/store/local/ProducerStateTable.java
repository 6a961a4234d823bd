package io.tributary.hub.store.local;

import io.tributary.hub.store.ProducerKey;
import io.tributary.hub.store.ProducerLookup;
import io.tributary.hub.store.ProducerRuns;
import java.util.HashMap;
import java.util.Map;

/**
 * The local store's producer state of one shard: the {@link ProducerRuns} (highest stored producer sequence and recent
 * runs per {@link ProducerKey}), filled by recovery from the batch headers, then by the writer as it appends, so a
 * retried run is recognised across restarts; beside it each producer's encoded names, cached for the batch headers.
 *
 * <p>Threads: confined to the shard's writer thread (recovery hands it over before the writer starts).
 */
final class ProducerStateTable {
    private final ProducerRuns runs;
    private final Map<ProducerKey, ProducerNames> names = new HashMap<>();

    ProducerStateTable(int window) {
        this.runs = new ProducerRuns(window);
    }

    /** See {@link ProducerRuns#lookup}. */
    ProducerLookup lookup(ProducerKey producer, long first, long last) {
        return runs.lookup(producer, first, last);
    }

    /** Records a stored run. */
    void record(ProducerKey producer, long first, long last, long baseSequence, int recordCount) {
        runs.record(producer, first, last, baseSequence, recordCount);
    }

    /** The producer's encoded names, cached with its state. */
    ProducerNames names(ProducerKey producer) {
        return names.computeIfAbsent(producer, ProducerNames::of);
    }

    int producerCount() {
        return runs.producerCount();
    }
}
