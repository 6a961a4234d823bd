package io.tributary.edge.buffer.log;

import io.tributary.protocol.fs.DirectoryLock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The edge buffer's storage: an append-only log of CRC-checked entries ({@link LogEntries}) in segment files, with
 * group commit. The writer stages changes (chunks, removals, lane positions, counters) and {@link #commit()}s them as
 * one transaction: one write and one fdatasync, after which they survive any crash; a crash before leaves none of
 * them. There is no in-place update and no free-space reuse, so a crash can only leave a torn tail, which recovery
 * cuts off ({@link LogRecovery}).
 *
 * <p>Space: every segment starts with a SNAPSHOT of the whole state except the chunks' bytes, so older segments matter
 * only for the live chunks in them; a segment with none is deleted. When dead entries pile up behind a chunk that
 * stays unsent (one lane offline while others flow), {@link #compactOnce()} copies the live chunks of the emptiest
 * segment forward so that it can be deleted: disk use stays below 1.5 × the live bytes plus two segments.
 *
 * <p>Thread rules: one writer thread calls every mutating method. Any thread may call {@link #chunk(long)}; the caller
 * must make sure the writer does not remove, replace or move (compact) that chunk meanwhile (the buffer's read-write
 * lock does). {@link #diskBytes()} and {@link #liveBytes()} may be read from any thread.
 */
public final class BufferLog implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(BufferLog.class);

    private final Path dir;
    private final long segmentBytes;
    private final DirectoryLock lock;
    private final LogFiles files;
    private final ConcurrentSkipListMap<Long, LogSegment> segments = new ConcurrentSkipListMap<>();
    private final LogState state;
    private final boolean damaged;
    private final LogEntries.Builder tx = new LogEntries.Builder();
    /** Staged chunks: chunk number → bytes (null for a removal), in staging order; readable before commit. */
    private final Map<Long, byte[]> staged = new ConcurrentHashMap<>();

    private final List<Staged> stagedOrder = new ArrayList<>();
    private LogSegment current;
    private long commitNo;
    /** Bytes of the current segment known durable: what a reopen keeps of it (see {@link #reopen()}). */
    private long durableSize;

    private volatile long diskBytes;
    private volatile long liveBytes;

    private record Staged(long chunkNo, int offsetInTx, int length, byte[] meta) {}

    private BufferLog(Path dir, long segmentBytes, DirectoryLock lock, LogFiles files, LogRecovery.Result r) {
        this.dir = dir;
        this.segmentBytes = segmentBytes;
        this.lock = lock;
        this.files = files;
        this.state = r.state();
        this.damaged = r.damaged();
        this.commitNo = r.lastCommit();
        segments.putAll(r.segments());
        for (LogState.Location loc : state.chunks.values()) {
            LogSegment s = segments.get(loc.segment());
            if (s != null) {
                s.addLive(loc.entryBytes());
            }
        }
    }

    /**
     * Opens the log in {@code dir} (creating it), recovering after a crash, and starts a new segment. Fails when
     * another buffer (this process or another) has the directory open.
     */
    public static BufferLog open(Path dir, long segmentBytes) throws IOException {
        return open(dir, segmentBytes, LogFiles.DEFAULT);
    }

    /** As {@link #open(Path, long)}, opening files through {@code files} (tests inject I/O errors there). */
    public static BufferLog open(Path dir, long segmentBytes, LogFiles files) throws IOException {
        io.tributary.protocol.fs.DurableDirs.create(dir);
        DirectoryLock lock = DirectoryLock.acquire(dir, "buffer.lock", "edge buffer");
        try {
            return recoverInto(dir, segmentBytes, lock, files);
        } catch (IOException | RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    /**
     * After a failed write or fsync: closes this log's files (keeping the directory lock) and opens the directory
     * again with full recovery, as a restart would, so that nothing is trusted that the failure may have left in the
     * page cache or torn on disk. This log must not be used afterwards, except to call {@code reopen} again when this
     * call failed (its files are then closed: nothing can be read until a reopen succeeds) or to {@link #close()} it.
     * Recovery needs a little free space (it starts a new segment), so a disk-full caller frees some first.
     */
    public BufferLog reopen() throws IOException {
        // A failed transaction's bytes may sit in the page cache though the disk never got them (after a failed
        // fsync the kernel marks them clean): recovery must not read them as committed, so cut them off first.
        if (current != null && current.isOpen() && current.size() > durableSize) {
            current.truncate(durableSize);
        }
        closeSegments();
        return recoverInto(dir, segmentBytes, lock, files);
    }

    private static BufferLog recoverInto(Path dir, long segmentBytes, DirectoryLock lock, LogFiles files)
            throws IOException {
        LogRecovery.Result recovered = LogRecovery.recover(dir, files);
        BufferLog log = new BufferLog(dir, segmentBytes, lock, files, recovered);
        try {
            log.dropMissingChunks();
            log.roll();
            log.deleteDeadSegments();
            return log;
        } catch (IOException | RuntimeException e) {
            log.closeSegments();
            throw e;
        }
    }

    /** True when recovery found fsync'd data it could not read (logged at ERROR); those records are lost. */
    public boolean damaged() {
        return damaged;
    }

    /** The committed counters. */
    public Map<String, Long> counters() {
        return Map.copyOf(state.counters);
    }

    /** The committed released watermarks, lane → [epoch, sequence]. */
    public Map<String, long[]> released() {
        return Map.copyOf(state.released);
    }

    /** The committed markers, name → [epoch, sequence]. */
    public Map<String, long[]> markers() {
        return Map.copyOf(state.markers);
    }

    /** Live chunk number → its meta bytes, as committed. */
    public Map<Long, byte[]> chunkMetas() {
        Map<Long, byte[]> out = new HashMap<>();
        state.chunks.forEach((no, loc) -> out.put(no, loc.meta()));
        return out;
    }

    /** A chunk's bytes: staged in this transaction, or committed; empty when there is no such chunk. */
    public Optional<byte[]> chunk(long chunkNo) {
        byte[] s = staged.get(chunkNo);
        if (s != null) {
            return Optional.of(s);
        }
        for (int attempt = 0; ; attempt++) {
            LogState.Location loc = state.chunks.get(chunkNo);
            LogSegment segment = loc == null ? null : segments.get(loc.segment());
            if (segment == null) {
                return Optional.empty();
            }
            try {
                return Optional.of(segment.read(loc.offset(), loc.length()));
            } catch (IOException e) {
                if (!LogSegment.isClosedUnder(e) || attempt >= 3) {
                    throw new UncheckedIOException("cannot read chunk " + chunkNo + " from " + segment.file(), e);
                }
                // the chunk moved (compaction) while we looked it up: look again
            }
        }
    }

    /** Stages a chunk (new, or replacing the chunk of that number). */
    public void putChunk(long chunkNo, byte[] meta, byte[] chunk) {
        tx.begin(LogEntries.CHUNK).putLong(chunkNo).putInt(meta.length);
        tx.putBytes(meta);
        int at = tx.putBytes(chunk);
        tx.end();
        stagedOrder.add(new Staged(chunkNo, at, chunk.length, meta));
        staged.put(chunkNo, chunk);
    }

    /** Stages the removal of a chunk. */
    public void removeChunk(long chunkNo) {
        tx.begin(LogEntries.REMOVE).putLong(chunkNo).end();
        stagedOrder.add(new Staged(chunkNo, -1, 0, null));
        staged.remove(chunkNo);
    }

    /** Stages a lane's released watermark. */
    public void putReleased(String lane, long epoch, long sequence) {
        putPosition(LogEntries.RELEASED, state.released, lane, epoch, sequence);
    }

    /** Stages a marker's position. */
    public void putMarker(String name, long epoch, long sequence) {
        putPosition(LogEntries.MARKER, state.markers, name, epoch, sequence);
    }

    private void putPosition(byte type, Map<String, long[]> positions, String name, long epoch, long sequence) {
        tx.begin(type).putString(name).putLong(epoch).putLong(sequence).end();
        positions.put(name, new long[] {epoch, sequence});
    }

    public void putCounter(String name, long value) {
        tx.begin(LogEntries.COUNTER).putString(name).putLong(value).end();
        state.counters.put(name, value);
    }

    /**
     * Writes the staged transaction and its COMMIT entry with one write, forces it to disk, then makes the staged
     * chunks readable from their new places, starts a new segment when this one is full and deletes segments left
     * without live chunks ({@link AfterCommitException} when only those fail). An exception leaves the log unusable: after a failed
     * fsync the page cache cannot be trusted, so the caller {@link #reopen()}s it.
     */
    public void commit() throws IOException {
        if (tx.isEmpty()) {
            return;
        }
        tx.begin(LogEntries.COMMIT).putLong(++commitNo).end();
        long base = current.append(tx.view());
        current.force();
        durableSize = current.size();
        for (Staged s : stagedOrder) {
            LogState.Location old = s.meta() == null
                    ? state.chunks.remove(s.chunkNo())
                    : state.chunks.put(
                            s.chunkNo(),
                            new LogState.Location(current.number(), base + s.offsetInTx(), s.length(), s.meta()));
            if (old != null) {
                LogSegment was = segments.get(old.segment());
                if (was != null) {
                    was.removeLive(old.entryBytes());
                }
            }
            if (s.meta() != null) {
                current.addLive(state.chunks.get(s.chunkNo()).entryBytes());
            }
        }
        staged.clear();
        stagedOrder.clear();
        tx.clear();
        try {
            if (current.size() >= segmentBytes) {
                roll();
            }
            deleteDeadSegments();
        } catch (IOException e) {
            throw new AfterCommitException(e);
        }
    }

    /**
     * {@link #commit()} made the transaction durable, but what follows it failed (starting the next segment, deleting
     * dead ones and syncing the directory): what was committed stands, and the log must be {@link #reopen()}ed.
     */
    public static final class AfterCommitException extends IOException {
        AfterCommitException(IOException cause) {
            super("committed, then " + cause.getMessage(), cause);
        }
    }

    /**
     * When dead entries take more than half the live bytes plus two segments, copies the live chunks of the segment
     * with the fewest live bytes into the current one and commits, so that it can be deleted. Returns true when it
     * compacted. Writer thread, with readers excluded (chunks move).
     */
    public boolean compactOnce() throws IOException {
        long live = liveBytes;
        if (diskBytes <= live + live / 2 + 2 * segmentBytes) {
            return false;
        }
        LogSegment victim = null;
        for (LogSegment s : segments.values()) {
            if (s != current && (victim == null || s.liveBytes() < victim.liveBytes())) {
                victim = s;
            }
        }
        if (victim == null) {
            return false;
        }
        long victimNo = victim.number();
        int moved = 0;
        for (Map.Entry<Long, LogState.Location> e : new ArrayList<>(state.chunks.entrySet())) {
            if (e.getValue().segment() == victimNo) {
                putChunk(e.getKey(), e.getValue().meta(), chunk(e.getKey()).orElseThrow());
                moved++;
            }
        }
        LOG.debug("Compacting edge buffer segment {}: moving {} live chunks forward", victim.file(), moved);
        commit();
        return true;
    }

    /** Bytes of all segment files. */
    public long diskBytes() {
        return diskBytes;
    }

    /** Bytes of the live chunk entries. */
    public long liveBytes() {
        return liveBytes;
    }

    /** Segment files now (for tests and metrics). */
    public int segmentCount() {
        return segments.size();
    }

    @Override
    public void close() throws IOException {
        try {
            closeSegments();
        } finally {
            lock.close();
        }
    }

    private void closeSegments() throws IOException {
        IOException first = null;
        for (LogSegment s : segments.values()) {
            try {
                s.close();
            } catch (IOException e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /** Starts the next segment: HEADER, then the whole state as a SNAPSHOT, committed and durable with its name. */
    private void roll() throws IOException {
        long number = segments.isEmpty() ? 0 : segments.lastKey() + 1;
        LogSegment next = LogSegment.create(dir, number, files);
        try {
            LogEntries.Builder head = new LogEntries.Builder();
            head.begin(LogEntries.HEADER);
            head.putBytes(LogEntries.MAGIC);
            head.putBytes(new byte[] {LogEntries.VERSION});
            head.putLong(number).end();
            state.writeSnapshot(head);
            head.begin(LogEntries.COMMIT).putLong(++commitNo).end();
            next.append(head.view());
            next.force();
            syncDirectory();
        } catch (IOException | RuntimeException e) {
            next.close(); // recovery deletes the unfinished file; the channel must not leak on every retry
            throw e;
        }
        segments.put(number, next);
        current = next;
        durableSize = next.size();
        updateSizes();
    }

    private void deleteDeadSegments() throws IOException {
        boolean deleted = false;
        for (LogSegment s : new ArrayList<>(segments.values())) {
            if (s != current && s.liveChunks() <= 0) {
                segments.remove(s.number());
                s.delete();
                deleted = true;
            }
        }
        if (deleted) {
            syncDirectory();
        }
        updateSizes();
    }

    /** Chunks a snapshot lists as live whose entries were in a damaged segment: forget them. */
    private void dropMissingChunks() {
        state.chunks.values().removeIf(loc -> !segments.containsKey(loc.segment()));
    }

    private void updateSizes() {
        long disk = 0;
        long live = 0;
        for (LogSegment s : segments.values()) {
            disk += s.size();
            live += s.liveBytes();
        }
        diskBytes = disk;
        liveBytes = live;
    }

    /**
     * Makes the creation or deletion of segment files durable. A failed fsync is an I/O error like any other (the
     * caller's commit fails and the buffer goes offline): acknowledging into a segment whose name may not survive a
     * power cut would lose what was acknowledged. Only a file system that cannot open a directory at all (not Linux)
     * relies on its own ordering.
     */
    private void syncDirectory() throws IOException {
        FileChannel d;
        try {
            d = files.open(dir, java.util.Set.of(StandardOpenOption.READ));
        } catch (java.nio.file.AccessDeniedException | UnsupportedOperationException e) {
            LOG.debug("cannot open directory {} to fsync it ({}); relying on the file system's ordering", dir, e);
            return;
        }
        try (d) {
            d.force(true);
        }
    }
}
