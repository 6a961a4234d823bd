package io.tributary.hub.store.local;

import io.tributary.hub.store.BatchToAppend;
import io.tributary.hub.store.ProducerKey;
import io.tributary.hub.store.StoredBatch;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Deterministic test batches: the payload is derived from an id, so any stored batch can be checked by its id. */
final class TestBatches {
    static final ProducerKey PRODUCER = new ProducerKey("agent-1", "default", 1);

    private TestBatches() {}

    /** Payload "id=<id>;" followed by a filler whose length and bytes depend on the id. */
    static byte[] payload(long id) {
        byte[] prefix = ("id=" + id + ";").getBytes(StandardCharsets.US_ASCII);
        byte[] bytes = Arrays.copyOf(prefix, prefix.length + (int) (id % 97) + 20);
        for (int i = prefix.length; i < bytes.length; i++) {
            bytes[i] = (byte) (id * 31 + i);
        }
        return bytes;
    }

    /** Reads the id back from a payload produced by {@link #payload}. */
    static long idOf(StoredBatch batch) {
        String s = new String(batch.payloadBytes(), StandardCharsets.US_ASCII);
        return Long.parseLong(s.substring(3, s.indexOf(';')));
    }

    /** A batch of {@code records} records for producer run {@code firstSeq..firstSeq+records-1} of {@code producer}. */
    static BatchToAppend batch(ProducerKey producer, long id, long firstSeq, int records) {
        return new BatchToAppend(
                ByteBuffer.wrap(payload(id)),
                7,
                records,
                1000 + id,
                2000 + id,
                producer,
                firstSeq,
                firstSeq + records - 1);
    }

    /**
     * Batch {@code id} with {@code records} records, from a lane of its own (lane {@code id} of {@link #PRODUCER}'s
     * agent), so that batches are independent of each other's producer order.
     */
    static BatchToAppend batch(long id, int records) {
        return batch(new ProducerKey(PRODUCER.agentId(), "lane-" + id, PRODUCER.epoch()), id, 0, records);
    }
}
