package io.tributary.hub.epoch;

import io.tributary.hub.fs.FramedLog;
import io.tributary.hub.store.local.FileChannelFactory;
import io.tributary.protocol.Epochs;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hub's durable table of producer epoch grants (like Kafka's InitProducerId): for every agent or producer id, the
 * newest epoch grant handed out. A grant is a multiple of {@link #GRANT_UNIT} (2^32); the holder stamps its records
 * with epochs in {@code [grant, grant + 2^32)} (an edge agent adds its local buffer-opening counter), so records of two
 * instances of one id — a wiped data dir, a clone, a restarted producer — never share a de-duplication key.
 *
 * <p>Rules of {@link #claim}: an id that presents no grant (0) gets a new one, larger than every grant this table ever
 * gave to anyone; it supersedes (fences) the id's earlier holder. An id that presents the current grant keeps it. An
 * id that presents an older grant is {@linkplain Claim.Fenced fenced}. An id that presents a grant newer than the
 * table knows (another hub gave it, or this table was restored from a backup) is adopted, so the table only grows.
 * New grants are never below a value the wall clock gives ({@link #clockSeed}), so that they never meet the
 * wall-clock epochs older producers used, and a lost log does not hand out its grants again.
 *
 * <p>On disk ({@code data-dir/epoch-grants.log}): an append-only log; the grant is fsync'd before {@link #claim}
 * returns, so a Welcome never names a grant a crash could forget.
 *
 * <pre>
 *   file   = magic "TRGE" (4 bytes) ; version int32 = 1 ; entry*
 *   entry  = int32 bodyLength ; int32 crc32c(body) ; body
 *   body   = uint16 idLength ; id (UTF-8) ; int64 grant
 * </pre>
 *
 * A torn or corrupt entry ends the log: recovery truncates it there and logs what it cut (a grant that was never
 * fsync'd was never announced). When the log holds many superseded entries it is rewritten on open (temp file, fsync,
 * atomic rename, directory fsync).
 *
 * <p>Thread rules: {@link #claim} is synchronized and does disk I/O (call it off event loops); {@link #isCurrent} and
 * {@link #current} are lock-free reads for any thread.
 */
public final class EpochGrants implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(EpochGrants.class);

    /** Every grant is a multiple of this; the epochs a holder may use are {@code [grant, grant + GRANT_UNIT)}. */
    public static final long GRANT_UNIT = Epochs.UNIT;

    static final String FILE_NAME = "epoch-grants.log";
    private static final int MAGIC = 0x54524745; // "TRGE"
    private static final int VERSION = 1;
    private static final int MAX_BODY = 2 + 65_535 + 8;
    private static final int COMPACT_MIN_ENTRIES = 10_000;
    private static final long CLOCK_SEED_ORIGIN_SECONDS = 1_700_000_000L;

    private final Path file;
    private final Clock clock;
    private final FileChannelFactory files;
    /** Bytes of the log that are durable; a failed append's bytes after them are cut off before the next one. */
    private long durableSize;

    private boolean dirty;
    private final Map<String, Long> holders = new ConcurrentHashMap<>();
    private FileChannel channel;
    private long lastGrant;
    private volatile java.util.function.BiConsumer<String, Long> listener = (id, grant) -> {};
    private long entries;

    private EpochGrants(Path file, Clock clock, FileChannelFactory files) {
        this.file = file;
        this.clock = clock;
        this.files = files;
    }

    /** The outcome of a {@link #claim}. */
    public sealed interface Claim {
        /**
         * The caller holds {@code grant}.
         *
         * @param grant the grant to use
         * @param superseded the grant it fenced (the id's previous holder), 0 when none
         */
        record Granted(long grant, long superseded) implements Claim {}

        /**
         * The presented grant is older than the id's current one: the caller must stop.
         *
         * @param current the grant that fenced it
         */
        record Fenced(long current) implements Claim {}
    }

    /** Opens (creating, recovering or compacting) the grant log in {@code dataDir}. */
    public static EpochGrants open(Path dataDir, Clock clock) throws IOException {
        return open(dataDir, clock, FileChannelFactory.DEFAULT);
    }

    /** As {@link #open(Path, Clock)}, appending through channels {@code files} opens (tests inject faults). */
    static EpochGrants open(Path dataDir, Clock clock, FileChannelFactory files) throws IOException {
        EpochGrants g = new EpochGrants(dataDir.resolve(FILE_NAME), clock, files);
        g.load();
        return g;
    }

    /**
     * Claims an epoch grant for {@code id}, which presents {@code presented} (0 for none).
     *
     * @throws IllegalArgumentException when {@code presented} is not a grant (not a positive multiple of 2^32)
     * @throws IOException when the grant could not be made durable; nothing was granted
     */
    public synchronized Claim claim(String id, long presented) throws IOException {
        if (presented != 0 && !Epochs.isGrant(presented)) {
            throw new IllegalArgumentException(
                    "epoch " + presented + " was not granted by a hub (grants are multiples of 2^32)");
        }
        Long holder = holders.get(id);
        long previous = holder == null ? 0 : holder;
        if (presented == 0) {
            long grant = Math.max(lastGrant + GRANT_UNIT, clockSeed(clock) * GRANT_UNIT);
            append(id, grant);
            return new Claim.Granted(grant, previous);
        }
        if (presented == previous) {
            return new Claim.Granted(presented, 0);
        }
        if (presented < previous) {
            return new Claim.Fenced(previous);
        }
        log.info("Adopting epoch grant {} of {}, newer than this hub's {}", presented, id, previous);
        append(id, presented);
        return new Claim.Granted(presented, previous);
    }

    /** Whether {@code grant} is still {@code id}'s newest grant. Any thread. */
    public boolean isCurrent(String id, long grant) {
        Long holder = holders.get(id);
        return holder != null && holder == grant;
    }

    /** The id's newest grant, 0 when it has none. Any thread. */
    public long current(String id) {
        return holders.getOrDefault(id, 0L);
    }

    /** Ids with a grant. */
    /** Every id's current grant (a copy). */
    public Map<String, Long> snapshot() {
        return Map.copyOf(holders);
    }

    /**
     * Called after each grant this table records (new or adopted), once it is durable, under the table's lock:
     * must only hand off. Replication sends grants to other regions with it.
     */
    public void onRecorded(java.util.function.BiConsumer<String, Long> listener) {
        this.listener = listener;
    }

    public int size() {
        return holders.size();
    }

    @Override
    public synchronized void close() throws IOException {
        if (channel != null) {
            channel.close();
            channel = null;
        }
    }

    /**
     * The smallest grant (in units) the clock allows: seconds since 2023-11-14. Grants never go below it, so a grant
     * given after this log was lost or damaged stays above the ones it forgot unless more than one grant a second was
     * given before; and it stays far above the wall-clock epochs (milliseconds, about 410 units) that producers used
     * before grants existed. Good until about 2091.
     */
    static long clockSeed(Clock clock) {
        return Math.max(1, clock.millis() / 1000 - CLOCK_SEED_ORIGIN_SECONDS);
    }

    /**
     * Appends and fsyncs a grant. A failed write may leave part of the entry in the file (a full disk writes what fits)
     * and a failed fsync may leave it in the page cache only: both are cut off (and the cut fsync'd) before the next
     * append, else that one would land after a torn entry, where recovery stops, and a grant already announced would
     * be forgotten at the next start.
     */
    private void append(String id, long grant) throws IOException {
        if (dirty) {
            cutBack();
        }
        try {
            FramedLog.writeFully(channel, entry(id, grant));
            channel.force(false);
        } catch (IOException e) {
            dirty = true;
            try {
                cutBack();
            } catch (IOException again) {
                e.addSuppressed(again); // tried again before the next append
            }
            throw e;
        }
        durableSize = channel.position();
        holders.put(id, grant);
        lastGrant = Math.max(lastGrant, grant);
        entries++;
        listener.accept(id, grant);
    }

    private static ByteBuffer entry(String id, long grant) {
        byte[] name = id.getBytes(StandardCharsets.UTF_8);
        if (name.length > 65_535) {
            throw new IllegalArgumentException("id longer than 65535 UTF-8 bytes");
        }
        ByteBuffer body = ByteBuffer.allocate(2 + name.length + 8);
        body.putShort((short) name.length).put(name).putLong(grant).flip();
        return FramedLog.frame(body);
    }

    private void load() throws IOException {
        FramedLog.Scan scan = FramedLog.scan(file, MAGIC, VERSION, 10, MAX_BODY, body -> {
            int nameLength = Short.toUnsignedInt(body.getShort());
            if (nameLength + 10 != body.limit()) {
                return false;
            }
            byte[] name = new byte[nameLength];
            body.get(name);
            long grant = body.getLong();
            holders.merge(new String(name, StandardCharsets.UTF_8), grant, Math::max);
            lastGrant = Math.max(lastGrant, grant);
            entries++;
            return true;
        });
        if (scan.cut() > 0) {
            // Only a torn tail is expected here (a grant cut short was never fsync'd, so never announced); anything
            // longer is damage, and grants after it are lost: new grants stay above the wall clock, which keeps them
            // above every grant given before.
            if (scan.cut() > MAX_BODY + FramedLog.FRAME_BYTES) {
                log.error(
                        "{}: {} bytes after offset {} are damaged and were cut off; grants in them are forgotten",
                        file,
                        scan.cut(),
                        scan.valid());
            } else {
                log.warn("{}: cut a torn tail of {} bytes at offset {}", file, scan.cut(), scan.valid());
            }
        }
        if (entries > COMPACT_MIN_ENTRIES && entries > 2L * holders.size()) {
            compact();
        } else {
            openForAppend(scan.valid());
        }
        log.info("Epoch grants: {} ids, newest grant {}", holders.size(), lastGrant);
    }

    private void compact() throws IOException {
        List<ByteBuffer> live = new ArrayList<>();
        holders.forEach((id, grant) -> live.add(entry(id, grant)));
        long size = FramedLog.rewrite(file, MAGIC, VERSION, live);
        log.info("{}: compacted {} entries to {}", file, entries, holders.size());
        entries = holders.size();
        openForAppend(size);
    }

    private void openForAppend(long size) throws IOException {
        channel = FramedLog.appendAfter(files.open(file, Set.of(StandardOpenOption.WRITE)), size);
        durableSize = size;
    }

    /** Cuts the log back to its durable bytes and fsyncs the cut. */
    private void cutBack() throws IOException {
        channel.truncate(durableSize);
        channel.force(true);
        channel.position(durableSize);
        dirty = false;
        log.info("{}: cut a failed append off at offset {}", file, durableSize);
    }
}
