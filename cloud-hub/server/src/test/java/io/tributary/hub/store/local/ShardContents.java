package io.tributary.hub.store.local;

import io.tributary.hub.store.ReadResult;
import io.tributary.hub.store.ShardKey;
import io.tributary.hub.store.ShardStore;
import io.tributary.hub.store.StoredBatch;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** What a shard holds, for comparing two stores or a store before and after an operation. */
final class ShardContents {
    private ShardContents() {}

    /** Every batch from the oldest retained one to the high-water mark, asserting nothing. */
    static List<StoredBatch> readAll(ShardStore store, ShardKey shard) {
        return readAll(store, shard, store.info(shard).oldestSequence());
    }

    /** Every batch from the one holding {@code from} to the high-water mark, in small reads. */
    static List<StoredBatch> readAll(ShardStore store, ShardKey shard, long from) {
        List<StoredBatch> all = new ArrayList<>();
        long next = from;
        for (int i = 0; i < 100_000; i++) {
            ReadResult r = store.read(shard, next, 7, 600);
            if (r.batches().isEmpty()) {
                break;
            }
            all.addAll(r.batches());
            next = r.nextSequence();
        }
        return all;
    }

    /** The shard directory's files (segment logs, indexes, markers): name → bytes (equal when the bytes are). */
    static Map<String, ByteBuffer> files(Path shardDir) {
        Map<String, ByteBuffer> files = new TreeMap<>();
        try (Stream<Path> list = Files.list(shardDir)) {
            for (Path p : list.toList()) {
                files.put(p.getFileName().toString(), ByteBuffer.wrap(Files.readAllBytes(p)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return files;
    }

    /** The names of the shard directory's files, by name. */
    static List<String> fileNames(Path shardDir) {
        return List.copyOf(files(shardDir).keySet());
    }
}
