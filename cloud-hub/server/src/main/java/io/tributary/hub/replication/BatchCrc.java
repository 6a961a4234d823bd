package io.tributary.hub.replication;

import io.tributary.hub.store.ReadResult;
import io.tributary.hub.store.ShardKey;
import io.tributary.hub.store.ShardStore;
import io.tributary.hub.store.StoredBatch;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * The CRC32C that home and replica compare for the batch just below where a replica follows from: over base
 * sequence, record count, codec, append and event times, producer key and run, then the payload. Equal CRCs at the same
 * position mean the replica's history up to there is the home's (the batches before it were checked the same way when
 * they were followed). Stateless.
 */
final class BatchCrc {
    private BatchCrc() {}

    static int of(StoredBatch b) {
        CRC32C crc = new CRC32C();
        ByteBuffer header = ByteBuffer.allocate(8 * 9 + 4 * 2);
        header.putLong(b.baseSequence())
                .putInt(b.recordCount())
                .putInt(b.codec())
                .putLong(b.appendTimeMs())
                .putLong(b.firstEventTimeMs())
                .putLong(b.lastEventTimeMs())
                .putLong(b.producer().epoch())
                .putLong(b.producerFirstSeq())
                .putLong(b.producerLastSeq())
                .flip();
        crc.update(header);
        crc.update((b.producer().agentId() + "\u0000" + b.producer().lane()).getBytes(StandardCharsets.UTF_8));
        crc.update(b.payload().duplicate());
        return (int) crc.getValue();
    }

    /** The batch of {@code shard} that ends exactly at {@code end}, if the store holds one. Blocking disk read. */
    static Optional<StoredBatch> endingAt(ShardStore store, ShardKey shard, long end) {
        if (end <= 0
                || end <= store.info(shard).oldestSequence()
                || end > store.info(shard).nextSequence()) {
            return Optional.empty();
        }
        ReadResult r = store.read(shard, end - 1, 1, 1);
        if (r.batches().isEmpty()) {
            return Optional.empty();
        }
        StoredBatch last = r.batches().get(0);
        return Optional.of(last);
    }
}
