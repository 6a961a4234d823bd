package io.tributary.hub.store.local;

import io.tributary.hub.store.BatchToAppend;
import io.tributary.hub.store.ProducerKey;
import io.tributary.hub.store.SampleBatches;
import io.tributary.hub.store.StoredBatch;

/** The local store tests' batches: {@link SampleBatches}, plus batches of a lane of their own. */
final class TestBatches {
    static final ProducerKey PRODUCER = new ProducerKey("agent-1", "default", 1);

    private TestBatches() {}

    /** See {@link SampleBatches#payload}. */
    static byte[] payload(long id) {
        return SampleBatches.payload(id);
    }

    /** See {@link SampleBatches#idOf}. */
    static long idOf(StoredBatch batch) {
        return SampleBatches.idOf(batch);
    }

    /** See {@link SampleBatches#batch}. */
    static BatchToAppend batch(ProducerKey producer, long id, long firstSeq, int records) {
        return SampleBatches.batch(producer, id, firstSeq, records);
    }

    /**
     * Batch {@code id} with {@code records} records, from a lane of its own (lane {@code id} of {@link #PRODUCER}'s
     * agent), so that batches are independent of each other's producer order.
     */
    static BatchToAppend batch(long id, int records) {
        return batch(new ProducerKey(PRODUCER.agentId(), "lane-" + id, PRODUCER.epoch()), id, 0, records);
    }
}
