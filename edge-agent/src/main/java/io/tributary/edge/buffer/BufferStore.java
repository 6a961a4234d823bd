package io.tributary.edge.buffer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.mapdb.BTreeMap;
import org.mapdb.DB;
import org.mapdb.DBException;
import org.mapdb.DBMaker;
import org.mapdb.HTreeMap;
import org.mapdb.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The MapDB file behind a {@link DurableBuffer}: a transactional store (write-ahead log, fsync on commit) holding
 *
 * <ul>
 *   <li>{@code chunks}: tree map, chunk number → encoded chunk ({@link ChunkCodec}), values outside the nodes;
 *   <li>{@code index}: tree map, chunk number → {@link ChunkMeta#toBytes()}, read whole at open;
 *   <li>{@code released}: hash map, lane → [epoch, sequence], the hub-acknowledged watermark (inclusive);
 *   <li>{@code markers}: hash map, name → [epoch, sequence], named lane positions that move atomically with appends
 *       (e.g. the aggregator's "aggregated up to" position per raw lane, see {@link DurableBuffer#marker});
 *   <li>{@code counters}: hash map, name → long: {@code epoch} and the loss ledger ({@code loss.<reason>}).
 * </ul>
 *
 * Every change of one write batch is committed together, so after a crash the file is at some commit boundary.
 *
 * <p>Thread rules: the writer thread calls every mutating method and {@link #commit()}; any thread may call
 * {@link #chunk(long)} (MapDB maps are thread-safe; with one global transaction a reader may see uncommitted state,
 * which {@link DurableBuffer} prevents with its read-write lock).
 */
final class BufferStore implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(BufferStore.class);

    private final DB db;
    private final BTreeMap<Long, byte[]> chunks;
    private final BTreeMap<Long, byte[]> index;
    private final HTreeMap<String, long[]> released;
    private final HTreeMap<String, long[]> markers;
    private final HTreeMap<String, Long> counters;
    private final long epoch;
    private final boolean startedFresh;

    private BufferStore(DB db, boolean startedFresh) {
        this.db = db;
        this.startedFresh = startedFresh;
        chunks = db.treeMap("chunks", Serializer.LONG, Serializer.BYTE_ARRAY)
                .valuesOutsideNodesEnable()
                .createOrOpen();
        index = db.treeMap("index", Serializer.LONG, Serializer.BYTE_ARRAY).createOrOpen();
        released =
                db.hashMap("released", Serializer.STRING, Serializer.LONG_ARRAY).createOrOpen();
        markers =
                db.hashMap("markers", Serializer.STRING, Serializer.LONG_ARRAY).createOrOpen();
        counters = db.hashMap("counters", Serializer.STRING, Serializer.LONG).createOrOpen();
        epoch = counter("epoch") + 1;
        counters.put("epoch", epoch);
        db.commit();
    }

    /**
     * Opens (or creates) the file, replaying MapDB's write-ahead log after a crash, and takes the next epoch. When
     * MapDB reports the file corrupt, it and its logs are renamed {@code *.corrupt-<millis>}, logged at ERROR, and a
     * fresh buffer starts ({@link #startedFresh()}).
     */
    static BufferStore open(BufferConfig config, long nowMs) {
        try {
            Files.createDirectories(config.file().toAbsolutePath().getParent());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        DB db = null;
        try {
            db = make(config);
            BufferStore store = new BufferStore(db, false);
            store.loadIndex(); // decodes every meta: a corrupt file fails here rather than on first read
            return store;
        } catch (DBException.FileLocked e) {
            throw e;
        } catch (DBException | ChunkCodec.CorruptChunkException e) {
            closeQuietly(db);
            long moved = moveAside(config.file(), nowMs);
            LOG.error(
                    "Edge buffer {} is corrupt and cannot be opened ({}); moved {} bytes of it aside as *.corrupt-{}"
                            + " and starting an empty buffer: its unsent records are lost",
                    config.file(),
                    e.toString(),
                    moved,
                    nowMs);
            return new BufferStore(make(config), true);
        }
    }

    private static DB make(BufferConfig config) {
        DBMaker.Maker maker = DBMaker.fileDB(config.file().toFile()).transactionEnable();
        maker = switch (config.storageMode()) {
            case FILE_CHANNEL -> maker.fileChannelEnable();
            case MMAP -> maker.fileMmapEnableIfSupported();
            case RANDOM_ACCESS_FILE -> maker;
        };
        return maker.make();
    }

    private static long moveAside(Path file, long nowMs) {
        Path dir = file.toAbsolutePath().getParent();
        String name = file.getFileName().toString();
        long bytes = 0;
        try (DirectoryStream<Path> siblings = Files.newDirectoryStream(dir, name + "*")) {
            for (Path p : siblings) {
                if (p.getFileName().toString().contains(".corrupt-")) {
                    continue;
                }
                bytes += Files.size(p);
                Files.move(p, p.resolveSibling(p.getFileName() + ".corrupt-" + nowMs));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move corrupt buffer " + file + " aside", e);
        }
        return bytes;
    }

    private static void closeQuietly(DB db) {
        if (db != null) {
            try {
                db.close();
            } catch (RuntimeException e) {
                LOG.debug("closing a corrupt buffer failed", e);
            }
        }
    }

    /** This opening's epoch: one more than the last opening's. */
    long epoch() {
        return epoch;
    }

    /** True when the previous file was corrupt and was moved aside. */
    boolean startedFresh() {
        return startedFresh;
    }

    Map<Long, ChunkMeta> loadIndex() {
        Map<Long, ChunkMeta> metas = new HashMap<>();
        for (Map.Entry<Long, byte[]> e : index.entrySet()) {
            metas.put(e.getKey(), ChunkMeta.fromBytes(e.getKey(), e.getValue()));
        }
        return metas;
    }

    Map<String, LanePosition> loadReleased() {
        Map<String, LanePosition> out = new HashMap<>();
        released.forEach((lane, pos) -> out.put(lane, new LanePosition(pos[0], pos[1])));
        return out;
    }

    Map<String, LanePosition> loadMarkers() {
        Map<String, LanePosition> out = new HashMap<>();
        markers.forEach((name, pos) -> out.put(name, new LanePosition(pos[0], pos[1])));
        return out;
    }

    void putMarker(String name, LanePosition position) {
        markers.put(name, new long[] {position.epoch(), position.sequence()});
    }

    Optional<byte[]> chunk(long chunkNo) {
        return Optional.ofNullable(chunks.get(chunkNo));
    }

    void putChunk(ChunkMeta meta, byte[] bytes) {
        chunks.put(meta.chunkNo(), bytes);
        index.put(meta.chunkNo(), meta.toBytes());
    }

    void removeChunk(long chunkNo) {
        chunks.remove(chunkNo);
        index.remove(chunkNo);
    }

    void putReleased(String lane, LanePosition upTo) {
        released.put(lane, new long[] {upTo.epoch(), upTo.sequence()});
    }

    long counter(String name) {
        Long v = counters.get(name);
        return v == null ? 0 : v;
    }

    void putCounter(String name, long value) {
        counters.put(name, value);
    }

    /** Makes every change since the last commit durable (MapDB syncs its write-ahead log). */
    void commit() {
        db.commit();
    }

    @Override
    public void close() {
        db.close();
    }
}
