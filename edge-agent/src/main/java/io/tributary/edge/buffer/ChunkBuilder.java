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
    private final List<EncodedRecord> records = new ArrayList<>();
    private int recordBytes;

    ChunkBuilder(String lane) {
        this.lane = lane;
    }

    void add(EncodedRecord r) {
        records.add(r);
        recordBytes += ChunkCodec.encodedSize(r);
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
        byte[] bytes = ChunkCodec.encodeEncoded(records);
        ChunkMeta meta = ChunkMeta.describeEncoded(chunkNo, lane, records, bytes.length);
        store.putChunk(meta, bytes);
        records.clear();
        recordBytes = 0;
        return meta;
    }
}
