package io.tributary.hub.store;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Deterministic test batches for any store: the payload is derived from an id, so any stored batch can be checked by
 * its id. Used by {@link ShardStoreContract} and the local store's tests.
 */
public final class SampleBatches {
    private SampleBatches() {}

    /** Payload "id=<id>;" followed by a filler whose length and bytes depend on the id. */
    public static byte[] payload(long id) {
        byte[] prefix = ("id=" + id + ";").getBytes(StandardCharsets.US_ASCII);
        byte[] bytes = Arrays.copyOf(prefix, prefix.length + (int) (id % 97) + 20);
        for (int i = prefix.length; i < bytes.length; i++) {
            bytes[i] = (byte) (id * 31 + i);
        }
        return bytes;
    }

    /** Reads the id back from a payload produced by {@link #payload}. */
    public static long idOf(StoredBatch batch) {
        String s = new String(batch.payloadBytes(), StandardCharsets.US_ASCII);
        return Long.parseLong(s.substring(3, s.indexOf(';')));
    }

    /**
     * A batch of {@code records} records for producer run {@code firstSeq..firstSeq+records-1} of {@code producer}:
     * codec 7, event times {@code 1000 + id} and {@code 2000 + id}.
     */
    public static BatchToAppend batch(ProducerKey producer, long id, long firstSeq, int records) {
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

    /** Every batch from the oldest to the end. */
    public static List<StoredBatch> readAll(ShardStore store, ShardKey shard) {
        List<StoredBatch> all = new ArrayList<>();
        long next = store.info(shard).oldestSequence();
        for (int round = 0; round < 100_000; round++) {
            ReadResult r = store.read(shard, next, 100, 1 << 20);
            if (r.batches().isEmpty()) {
                return all;
            }
            all.addAll(r.batches());
            next = r.nextSequence();
        }
        throw new AssertionError("read did not end");
    }
}
