package io.tributary.hub.store.local;

import io.tributary.hub.store.ShardKey;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens a shard directory and brings it to a consistent state before its writer starts.
 *
 * <ul>
 *   <li>Lists the {@code .log} files by base sequence; each must start where the previous one ends.
 *   <li>Scans the headers of every sealed segment (structure only) and the active (last) segment in full, verifying
 *       each batch's CRC32C. A torn or corrupt tail of the active segment is truncated, with a warning giving the
 *       number of bytes cut — but only when no batch marked {@link BatchHeader#COMMIT_START} follows the damage: then
 *       everything from the damage on is the last group commit, whose fsync never returned (a power cut may have
 *       written its pages out of order, leaving whole batches after a hole). Damage followed by the start of a later
 *       commit was fsync'd, like damage inside a sealed segment: it is not repaired (it would drop acknowledged
 *       data), the shard goes OFFLINE with an ERROR that says where.
 *   <li>Rebuilds both sparse indexes in memory from the scan and rewrites a sealed segment's index file when it is
 *       missing or differs.
 *   <li>Rebuilds the {@link ProducerStateTable} from the headers.
 * </ul>
 *
 * <p>Before all that it completes a cut ({@code truncate} or {@code resetTo}) that a crash interrupted: see {@link
 * ShardCut}.
 *
 * <p>Threads: runs on the thread that opens the shard; the result is handed to the writer.
 */
final class ShardRecovery {
    private static final Logger LOG = LoggerFactory.getLogger(ShardRecovery.class);

    /** What recovery hands to the shard: segments in order (last is active), producer state, next sequence. */
    record Recovered(List<Segment> segments, ProducerStateTable producers, long nextSequence, long lastAppendTimeMs) {}

    private final ShardKey key;
    private final Path dir;
    private final LocalStoreConfig config;
    private final FileChannelFactory files;

    ShardRecovery(ShardKey key, Path dir, LocalStoreConfig config, FileChannelFactory files) {
        this.key = key;
        this.dir = dir;
        this.config = config;
        this.files = files;
    }

    Recovered recover() throws IOException {
        // A new shard's directory (and its stream's) must be durable before its first acknowledged append.
        io.tributary.protocol.fs.DurableDirs.create(dir);
        Optional<ShardCut> redone = ShardCut.redoPending(dir, config, files);
        redone.ifPresent(c -> LOG.warn(
                "{}: completed a cut interrupted by a crash: kept records below {}, next sequence {}",
                key,
                c.keepBelow(),
                c.next()));
        List<Long> bases = listBases(dir);
        ProducerStateTable producers = new ProducerStateTable(config.producerWindow());
        List<Segment> segments = new ArrayList<>();
        try {
            if (bases.isEmpty()) {
                segments.add(Segment.open(dir, 0, config, files));
                syncDirectory(dir, files);
                return new Recovered(segments, producers, 0, -1);
            }
            long expected = bases.get(0);
            long lastAppendTime = -1;
            for (int i = 0; i < bases.size(); i++) {
                long base = bases.get(i);
                if (base != expected) {
                    throw new DamagedShardException(key + ": segment " + Segment.fileName(base, ".log")
                            + " should start at " + expected + " (missing or extra segment)");
                }
                Segment segment = Segment.open(dir, base, config, files);
                segments.add(segment);
                boolean active = i == bases.size() - 1;
                lastAppendTime = Math.max(lastAppendTime, load(segment, active, producers));
                expected = segment.nextSequence();
            }
            return new Recovered(segments, producers, expected, lastAppendTime);
        } catch (IOException | RuntimeException e) {
            for (Segment s : segments) {
                closeQuietly(s);
            }
            throw e;
        }
    }

    /** Scans one segment, fills its indexes and the producer table; returns its last append time. */
    private long load(Segment segment, boolean active, ProducerStateTable producers) throws IOException {
        long fileSize = segment.channel().size();
        SegmentScanner scanner = replay(segment, fileSize, active, true, producers, config.maxBatchBytes());
        long validEnd = segment.size();
        if (validEnd < fileSize) {
            String reason = scanner.stopReason().isEmpty()
                    ? "unexpected base sequence at position " + validEnd
                    : scanner.stopReason();
            if (!active) {
                throw new DamagedShardException(key + ": sealed segment " + segment + " is damaged (" + reason
                        + "); refusing to drop acknowledged data");
            }
            long committed = validBatchAfter(segment, validEnd, fileSize, true);
            if (committed >= 0) {
                // A batch that a group commit wrote after an fsync follows the damage, so the damaged bytes had been
                // fsync'd: bit rot in acknowledged data, not a power cut. Truncating would drop what follows.
                throw new DamagedShardException(key + ": active segment " + segment + " is damaged (" + reason
                        + ") and a batch written after a later fsync follows at position " + committed
                        + "; refusing to truncate acknowledged data. Restore the segment from a copy, or accept losing"
                        + " what follows the damage: truncate -s " + validEnd + " " + segment.logFile());
            }
            long later = validBatchAfter(segment, validEnd, fileSize, false);
            if (later >= 0) {
                // Whole batches after the damage, none starting a later commit: all of it is the last group commit,
                // whose fsync never returned (a power cut wrote its pages out of order). None of it was acknowledged.
                LOG.warn(
                        "{}: {} is damaged at {} ({}) inside its last group commit, which was never acknowledged"
                                + " (whole batches of it follow at {}: a power cut wrote its pages out of order)",
                        key,
                        segment,
                        validEnd,
                        reason,
                        later);
            }
            LOG.warn(
                    "{}: truncating {} from {} to {} bytes, cutting {} bytes: {}",
                    key,
                    segment,
                    fileSize,
                    validEnd,
                    fileSize - validEnd,
                    reason);
            segment.truncateTo(segment.size());
        }
        segment.positionAtEnd();
        if (active) {
            // The active segment's indexes live in memory; stale files from an earlier life would mislead tools.
            Files.deleteIfExists(segment.indexFile());
            Files.deleteIfExists(segment.timeIndexFile());
        } else {
            if (!segment.sequenceIndex.matchesFile(segment.indexFile())
                    || !segment.timeIndex.matchesFile(segment.timeIndexFile())) {
                LOG.info("{}: rebuilding indexes of {}", key, segment);
                segment.seal(files);
            }
        }
        return segment.lastAppendTimeMs();
    }

    /**
     * Reads the headers of {@code segment}'s first {@code end} bytes in order and records each batch's producer run;
     * with {@code account}, also accounts the batches in the segment (size, next sequence, indexes: the segment must
     * be freshly opened). Stops at the first invalid entry, or (treated like any other corruption: the tail from there
     * is not trustworthy) at a batch that does not continue the sequence.
     *
     * @return the scanner, which tells why it stopped
     */
    static SegmentScanner replay(
            Segment segment, long end, boolean verifyCrc, boolean account, ProducerStateTable producers, int maxPayload)
            throws IOException {
        SegmentScanner scanner = new SegmentScanner(segment.channel(), 0, end, maxPayload, verifyCrc);
        long expected = segment.baseSequence();
        for (BatchHeader h = scanner.next(); h != null && h.baseSequence() == expected; h = scanner.next()) {
            if (account) {
                segment.onBatch(h.baseSequence(), h.recordCount(), h.appendTimeMs(), h.entryLength());
            }
            producers.record(
                    h.producer(), h.producerFirstSeq(), h.producerLastSeq(), h.baseSequence(), h.recordCount());
            expected = h.nextSequence();
        }
        return scanner;
    }

    /**
     * The position of the first whole, CRC-valid batch in {@code (from, end)} of the segment (with {@code
     * commitStart}, the first one that also has {@link BatchHeader#COMMIT_START}), or -1. A power cut damages only the
     * last group commit, the one whose fsync did not return: a batch after the damage that starts a commit means the
     * damage is in data that was durable.
     */
    private long validBatchAfter(Segment segment, long from, long end, boolean commitStart) throws IOException {
        FileChannel ch = segment.channel();
        ByteBuffer buf = ByteBuffer.allocate(1 << 20);
        for (long chunk = from + 1; chunk + BatchHeader.PREFIX_LENGTH <= end; chunk += buf.capacity() - 3) {
            buf.clear();
            int n = 0;
            while (buf.hasRemaining()) {
                int r = ch.read(buf, chunk + buf.position());
                if (r < 0) {
                    break;
                }
                n += r;
            }
            for (int i = 0; i + 4 <= n; i++) {
                if (buf.getInt(i) == BatchHeader.MAGIC) {
                    SegmentScanner probe = new SegmentScanner(ch, chunk + i, end, config.maxBatchBytes(), true);
                    if (probe.next() != null && (!commitStart || startsCommit(ch, chunk + i))) {
                        return chunk + i;
                    }
                }
            }
            if (n < buf.capacity()) {
                break;
            }
        }
        return -1;
    }

    private static boolean startsCommit(FileChannel ch, long at) throws IOException {
        ByteBuffer prefix = ByteBuffer.allocate(BatchHeader.PREFIX_LENGTH);
        while (prefix.hasRemaining() && ch.read(prefix, at + prefix.position()) >= 0) {
            // a valid batch starts here, so its prefix is all there
        }
        return BatchHeader.startsCommit(prefix, 0);
    }

    /** The base sequences of the segment logs in {@code dir}, ascending. */
    static List<Long> listBases(Path dir) throws IOException {
        try (Stream<Path> list = Files.list(dir)) {
            return list.map(p -> p.getFileName().toString())
                    .filter(n -> n.matches("\\d{20}\\.log"))
                    .map(n -> Long.parseLong(n.substring(0, 20)))
                    .sorted()
                    .toList();
        }
    }

    /** Makes created or deleted directory entries durable. */
    static void syncDirectory(Path dir, FileChannelFactory files) throws IOException {
        try (FileChannel ch = files.open(dir, Set.of(StandardOpenOption.READ))) {
            ch.force(true);
        }
    }

    private static void closeQuietly(Segment s) {
        try {
            s.close();
        } catch (IOException e) {
            LOG.debug("closing {} after failed recovery", s, e);
        }
    }
}
