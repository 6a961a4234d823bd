package io.tributary.hub.epoch;

import io.tributary.hub.fs.FramedLog;
import io.tributary.hub.store.local.FileChannelFactory;
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
 * The {@link GrantTable} of a hub on its own data dir: an append-only log.
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
public final class EpochGrants implements GrantTable {
    private static final Logger log = LoggerFactory.getLogger(EpochGrants.class);

    static final String FILE_NAME = "epoch-grants.log";
    private static final int MAGIC = 0x54524745; // "TRGE"
    private static final int VERSION = 1;
    private static final int MAX_BODY = 2 + 65_535 + 8;
    private static final int COMPACT_MIN_ENTRIES = 10_000;

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

    @Override
    public synchronized Claim claim(String id, long presented) throws IOException {
        Long holder = holders.get(id);
        Decision d = GrantTable.decide(holder == null ? 0 : holder, lastGrant, presented, clock);
        if (d.record() != 0) {
            if (d.record() == presented) {
                log.info("Adopting epoch grant {} of {}, newer than this hub's {}", presented, id, holder);
            }
            append(id, d.record());
        }
        return d.claim();
    }

    @Override
    public boolean isCurrent(String id, long grant) {
        Long holder = holders.get(id);
        return holder != null && holder == grant;
    }

    @Override
    public long current(String id) {
        return holders.getOrDefault(id, 0L);
    }

    @Override
    public Map<String, Long> snapshot() {
        return Map.copyOf(holders);
    }

    @Override
    public void onRecorded(java.util.function.BiConsumer<String, Long> listener) {
        this.listener = listener;
    }

    @Override
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
