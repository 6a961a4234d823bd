package io.tributary.edge.buffer;

import java.util.ArrayList;
import java.util.List;

/**
 * Collects one lane's records of a write batch into a chunk, tracking its encoded size.
 *
 * <p>Thread rules: writer thread only; lives for one batch.
 */
final class ChunkBuilder {

    private final String lane;
    private final List<StoredRecord> records = new ArrayList<>();
    private int recordBytes;

    ChunkBuilder(String lane) {
        this.lane = lane;
    }

    void add(StoredRecord r, int encodedSize) {
        records.add(r);
        recordBytes += encodedSize;
    }

    boolean isEmpty() {
        return records.isEmpty();
    }

    /** The encoded size so far. */
    int bytes() {
        return ChunkCodec.overhead(records.size()) + recordBytes;
    }

    /** Writes the chunk under {@code chunkNo} (uncommitted) and starts over; returns its meta. */
    ChunkMeta sealInto(BufferStore store, long chunkNo) {
        byte[] bytes = ChunkCodec.encode(records);
        ChunkMeta meta = ChunkMeta.describe(chunkNo, lane, records, bytes.length, false);
        store.putChunk(meta, bytes);
        records.clear();
        recordBytes = 0;
        return meta;
    }
}
