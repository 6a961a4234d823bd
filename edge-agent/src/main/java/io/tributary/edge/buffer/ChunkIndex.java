package io.tributary.edge.buffer;

import java.util.Collection;
import java.util.Collections;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The in-memory map of stored chunks, globally and per lane, in chunk-number (append) order, with running totals.
 *
 * <p>Thread rules: only the writer thread mutates it. It publishes new chunks and rewrites or drops unreleased ones
 * only while holding the buffer's write lock; readers hold the read lock, so they see whole published states (a lane
 * never shows chunk n+1 without chunk n). Released chunks (a lane's prefix, which readers skip) are removed without
 * the lock; the maps are concurrent, so a reader's iteration stays valid.
 */
final class ChunkIndex {

    private final NavigableMap<Long, ChunkMeta> all = new ConcurrentSkipListMap<>();
    private final Map<String, NavigableMap<Long, ChunkMeta>> byLane = new ConcurrentHashMap<>();
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong records = new AtomicLong();

    /** Adds a chunk, or replaces the chunk of the same number. */
    void put(ChunkMeta meta) {
        ChunkMeta old = all.put(meta.chunkNo(), meta);
        if (old != null) {
            byLane.get(old.lane()).remove(old.chunkNo());
            bytes.addAndGet(-old.bytes());
            records.addAndGet(-old.count());
        }
        byLane.computeIfAbsent(meta.lane(), l -> new ConcurrentSkipListMap<>()).put(meta.chunkNo(), meta);
        bytes.addAndGet(meta.bytes());
        records.addAndGet(meta.count());
    }

    void remove(ChunkMeta meta) {
        if (all.remove(meta.chunkNo()) == null) {
            return;
        }
        NavigableMap<Long, ChunkMeta> lane = byLane.get(meta.lane());
        lane.remove(meta.chunkNo());
        if (lane.isEmpty()) {
            byLane.remove(meta.lane());
        }
        bytes.addAndGet(-meta.bytes());
        records.addAndGet(-meta.count());
    }

    /** The lane's chunks in append order; empty for an unknown lane. */
    Collection<ChunkMeta> lane(String lane) {
        NavigableMap<Long, ChunkMeta> chunks = byLane.get(lane);
        return chunks == null ? Collections.emptyList() : chunks.values();
    }

    /** Every chunk in append order. */
    Collection<ChunkMeta> all() {
        return all.values();
    }

    Set<String> lanes() {
        return Collections.unmodifiableSet(byLane.keySet());
    }

    Optional<ChunkMeta> oldest() {
        Map.Entry<Long, ChunkMeta> first = all.firstEntry();
        return first == null ? Optional.empty() : Optional.of(first.getValue());
    }

    /** The oldest chunk holding raw records, to roll up. */
    Optional<ChunkMeta> oldestRaw() {
        return all.values().stream().filter(m -> !m.aggregate()).findFirst();
    }

    /** The number the next new chunk gets: above every stored chunk, so append order stays key order. */
    /** Forgets every chunk (before reloading the index from a reopened log). Writer thread, holding the write lock. */
    void clear() {
        all.clear();
        byLane.clear();
        bytes.set(0);
        records.set(0);
    }

    long nextChunkNo() {
        return all.isEmpty() ? 0 : all.lastKey() + 1;
    }

    long bytes() {
        return bytes.get();
    }

    long records() {
        return records.get();
    }
}
