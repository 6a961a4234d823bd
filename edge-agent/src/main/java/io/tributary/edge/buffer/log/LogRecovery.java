package io.tributary.edge.buffer.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rebuilds the {@link LogState} from the segment files at open: replays every segment in number order, applying a
 * transaction only when its COMMIT entry is intact.
 *
 * <ul>
 *   <li>A torn or unreadable tail of the <em>newest</em> segment is what a crash mid-commit leaves: those entries
 *       were never acknowledged. It is cut off (logged at WARN); a newest segment without a single commit (a crash
 *       while starting it) is deleted.
 *   <li>An unreadable entry in an <em>older</em> segment is damage to data that was fsync'd: the segment's later
 *       entries are skipped, the damage is logged at ERROR and reported by {@link Result#damaged()}.
 * </ul>
 *
 * <p>Runs on the opening thread before the writer starts, or on the writer thread when the buffer reopens its log
 * after a storage error.
 */
final class LogRecovery {

    private static final Logger LOG = LoggerFactory.getLogger(LogRecovery.class);

    /** What recovery found: the open segments (oldest first), the state, the last commit number, any damage. */
    record Result(TreeMap<Long, LogSegment> segments, LogState state, long lastCommit, boolean damaged) {}

    private final LogState state = new LogState();
    private final List<Consumer<LogState>> pending = new ArrayList<>();
    private long lastCommit;
    private boolean damaged;
    private byte[] body = new byte[64 * 1024];

    private LogRecovery() {}

    static Result recover(Path dir, LogFiles files) throws IOException {
        LogRecovery recovery = new LogRecovery();
        TreeMap<Long, LogSegment> segments = new TreeMap<>();
        try {
            try (DirectoryStream<Path> names = Files.newDirectoryStream(dir, "segment-*.log")) {
                for (Path file : names) {
                    if (LogSegment.numberOf(file).isPresent()) {
                        LogSegment s = LogSegment.open(file, files);
                        segments.put(s.number(), s);
                    }
                }
            }
            for (LogSegment s : new ArrayList<>(segments.values())) {
                boolean newest = s.number() == segments.lastKey();
                if (!recovery.replay(s, newest)) {
                    segments.remove(s.number());
                }
            }
        } catch (IOException | RuntimeException e) {
            // a failed recovery is retried (the buffer's storage recovery): never leak the channels opened so far
            for (LogSegment s : segments.values()) {
                try {
                    s.close();
                } catch (IOException closing) {
                    e.addSuppressed(closing);
                }
            }
            throw e;
        }
        return new Result(segments, recovery.state, recovery.lastCommit, recovery.damaged);
    }

    /** Replays one segment; false when it held nothing committed and was deleted. */
    private boolean replay(LogSegment segment, boolean newest) throws IOException {
        long pos = 0;
        long committedEnd = 0;
        String problem = null;
        ByteBuffer frame = ByteBuffer.allocate(LogEntries.FRAME);
        pending.clear();
        while (pos < segment.size()) {
            frame.clear();
            if (segment.readFully(frame, pos) < LogEntries.FRAME) {
                problem = "a frame cut short";
                break;
            }
            int length = frame.getInt(0);
            int crc = frame.getInt(4);
            if (length < 1 || length > LogEntries.MAX_BODY || pos + LogEntries.FRAME + length > segment.size()) {
                problem = "an entry length of " + length;
                break;
            }
            if (body.length < length) {
                body = new byte[Math.max(length, body.length * 2)];
            }
            ByteBuffer b = ByteBuffer.wrap(body, 0, length);
            segment.readFully(b, pos + LogEntries.FRAME);
            if (LogEntries.crc(body, 0, length) != crc) {
                problem = "a checksum mismatch";
                break;
            }
            b.flip();
            try {
                apply(segment, pos, b);
            } catch (LogEntries.CorruptEntryException e) {
                problem = e.getMessage();
                break;
            }
            pos += LogEntries.FRAME + length;
            if (pending.isEmpty() && body[0] == LogEntries.COMMIT) {
                committedEnd = pos;
            }
        }
        if (problem == null && committedEnd == segment.size()) {
            return true;
        }
        if (!newest) {
            damaged = true;
            LOG.error(
                    "Edge buffer segment {} is damaged at byte {} ({}): {} later bytes are skipped and the records in"
                            + " them are lost",
                    segment.file(),
                    committedEnd,
                    problem == null ? "an unfinished transaction" : problem,
                    segment.size() - committedEnd);
            return true;
        }
        if (committedEnd == 0) {
            LOG.warn(
                    "Edge buffer segment {} was never completed (crash while starting it); deleting it",
                    segment.file());
            segment.delete();
            return false;
        }
        LOG.warn(
                "Edge buffer segment {}: cutting {} bytes after the last commit at byte {} ({}): a transaction a crash"
                        + " interrupted, none of it acknowledged",
                segment.file(),
                segment.size() - committedEnd,
                committedEnd,
                problem == null ? "no commit entry" : problem);
        segment.truncate(committedEnd);
        return true;
    }

    private void apply(LogSegment segment, long entryPos, ByteBuffer b) {
        byte type = b.get();
        long number = segment.number();
        if (entryPos == 0) {
            LogEntries.decode(b, body -> {
                byte[] magic = new byte[LogEntries.MAGIC.length];
                body.get(magic);
                if (type != LogEntries.HEADER || !Arrays.equals(magic, LogEntries.MAGIC)) {
                    throw new LogEntries.CorruptEntryException("not a buffer segment (no header)");
                }
                if (body.get() != LogEntries.VERSION) {
                    throw new LogEntries.CorruptEntryException("unknown segment version");
                }
                if (body.getLong() != number) {
                    throw new LogEntries.CorruptEntryException("header names another segment");
                }
                return null;
            });
            return;
        }
        switch (type) {
            case LogEntries.SNAPSHOT -> {
                ByteBuffer copy = copy(b);
                LogEntries.decode(copy.duplicate(), body -> {
                    new LogState().applySnapshot(body); // validate now, so a bad one is a torn entry, not a crash
                    return null;
                });
                pending.add(s -> s.applySnapshot(copy));
            }
            case LogEntries.CHUNK -> {
                LogState.Location loc = LogEntries.decode(b, body -> {
                    long chunkNo = body.getLong();
                    int metaLength = body.getInt();
                    if (metaLength < 0 || metaLength > body.remaining()) {
                        throw new LogEntries.CorruptEntryException("chunk meta length " + metaLength);
                    }
                    byte[] meta = new byte[metaLength];
                    body.get(meta);
                    long chunkOffset = entryPos + LogEntries.FRAME + body.position();
                    pendingChunk(chunkNo);
                    return new LogState.Location(number, chunkOffset, body.remaining(), meta);
                });
                long chunkNo = b.getLong(1);
                pending.add(s -> s.chunks.put(chunkNo, loc));
            }
            case LogEntries.REMOVE -> {
                long chunkNo = LogEntries.decode(b, ByteBuffer::getLong);
                pending.add(s -> s.chunks.remove(chunkNo));
            }
            case LogEntries.RELEASED, LogEntries.MARKER -> {
                String name = LogEntries.decode(b, LogEntries::getString);
                long[] position = LogEntries.decode(b, body -> new long[] {body.getLong(), body.getLong()});
                boolean released = type == LogEntries.RELEASED;
                pending.add(s -> (released ? s.released : s.markers).put(name, position));
            }
            case LogEntries.COUNTER -> {
                String name = LogEntries.decode(b, LogEntries::getString);
                long value = LogEntries.decode(b, ByteBuffer::getLong);
                pending.add(s -> s.counters.put(name, value));
            }
            case LogEntries.COMMIT -> {
                lastCommit = Math.max(lastCommit, LogEntries.decode(b, ByteBuffer::getLong));
                pending.forEach(op -> op.accept(state));
                pending.clear();
            }
            default -> throw new LogEntries.CorruptEntryException("unknown entry type " + type);
        }
    }

    private static void pendingChunk(long chunkNo) {
        if (chunkNo < 0) {
            throw new LogEntries.CorruptEntryException("negative chunk number " + chunkNo);
        }
    }

    private static ByteBuffer copy(ByteBuffer b) {
        ByteBuffer out = ByteBuffer.allocate(b.remaining());
        out.put(b.duplicate()).flip();
        return out;
    }
}
