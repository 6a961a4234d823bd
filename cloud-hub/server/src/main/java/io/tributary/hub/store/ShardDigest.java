package io.tributary.hub.store;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A fingerprint of what a store holds of one shard: {@code "<next sequence> <SHA-256 hex>"} over every retained batch
 * (sequence, record count, codec, append and event times, producer run, payload bytes). Two hubs whose fingerprints
 * of a shard are equal hold the same batches at the same sequence numbers, byte for byte — what cross-region
 * replication promises. Used by tests and by the demo. Stateless.
 */
public final class ShardDigest {
    private ShardDigest() {}

    /** Reads {@code shard} (open in {@code store}) from its oldest retained sequence to its end. */
    public static String of(ShardStore store, ShardKey shard) {
        MessageDigest md = sha256();
        long next = store.info(shard).oldestSequence();
        while (true) {
            ReadResult r = store.read(shard, next, 10_000, 4 << 20);
            if (r.batches().isEmpty()) {
                break;
            }
            for (StoredBatch b : r.batches()) {
                md.update((b.baseSequence() + "/" + b.recordCount() + "/" + b.codec() + "/" + b.appendTimeMs() + "/"
                                + b.firstEventTimeMs() + "/" + b.lastEventTimeMs() + "/" + b.producer() + "/"
                                + b.producerFirstSeq() + "/" + b.producerLastSeq())
                        .getBytes(StandardCharsets.UTF_8));
                md.update(b.payload().duplicate());
            }
            next = r.nextSequence();
        }
        return store.info(shard).nextSequence() + " " + HexFormat.of().formatHex(md.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
