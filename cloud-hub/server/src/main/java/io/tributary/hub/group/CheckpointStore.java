package io.tributary.hub.group;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.tributary.hub.fs.FramedLog;
import io.tributary.hub.store.local.FileChannelFactory;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable state of every consumer group of a hub: per group shard the checkpoint, the last fencing token granted
 * and whether the shard is finished. Tokens are kept so that they keep growing across restarts (a token is never
 * granted twice).
 *
 * <p><b>Group commit.</b> {@link #commit} queues rows and returns a future that completes once they are fsync'd. One
 * committer thread takes everything queued, of every group, and writes it with one write and one fdatasync; what
 * arrives meanwhile waits for the next commit. So N members checkpointing at once cost one fsync, not 2N (the old
 * per-group file cost a temp file, a rename and two fsyncs per checkpoint).
 *
 * <p><b>On disk</b> ({@code data-dir/groups/checkpoints.log}): an append-only log of rows; the last row of a group
 * shard wins.
 *
 * <pre>
 *   file  = magic "TRGC" (4 bytes) ; version int32 = 1 ; entry*
 *   entry = int32 bodyLength ; int32 crc32c(body) ; body
 *   body  = int64 checkpoint ; int64 token ; int8 flags (bit 0: finished) ; str stream ; str group ; str shard
 *   str   = uint16 length ; UTF-8 bytes
 * </pre>
 *
 * A torn or corrupt entry ends the log: opening truncates it there (rows in it were never acknowledged). When the log
 * is over {@value #COMPACT_MIN_BYTES} bytes and four times the size of its live rows, the committer rewrites it
 * between commits: live rows to a temp file, fsync, atomic rename, directory fsync.
 *
 * <p><b>Migration</b> from the per-group files of older hubs: {@link LegacyCheckpoints}.
 *
 * <p><b>Failures.</b> A failed write is cut off the log and fails its commit; later commits are tried again. A failed
 * fsync (or a cut that failed) fails its commit and the store refuses commits until it could {@linkplain #reopen
 * reopen} the log: after a failed fsync the kernel may have dropped the dirty pages, so everything written since the
 * last good fsync is cut off (the rows in memory are exactly those up to it) and the cut must itself be fsync'd. A
 * commit that arrives {@link #RETRY_MS} or more after the last attempt tries that first, so a disk that was full or
 * failing is back in use within seconds of the next checkpoint, without a restart.
 *
 * <p>Thread rules: {@link #commit}, {@link #rows} and {@link #sync} from any thread; file I/O on the committer thread
 * only.
 */
public final class CheckpointStore implements Checkpoints, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CheckpointStore.class);

    static final String FILE_NAME = "checkpoints.log";
    private static final int MAGIC = 0x54524743; // "TRGC"
    private static final int VERSION = 1;
    static final long COMPACT_MIN_BYTES = 1 << 20;
    /** Least time between two attempts to reopen a log that a failed fsync or cut left unusable. */
    static final long RETRY_MS = 1_000;

    /** The durable state of one group shard. */
    public record Row(GroupShard key, long checkpoint, long token, boolean ended) {
        public String stream() {
            return key.stream();
        }

        public String group() {
            return key.group();
        }

        public String shardId() {
            return key.shardId();
        }
    }

    /** The durable row of one group shard, if any. */
    public Optional<Row> row(String stream, String group, String shardId) {
        return Optional.ofNullable(durable.get(new GroupShard(stream, group, shardId)));
    }

    /** Every durable row of a stream's groups. */
    public List<Row> rowsOf(String stream) {
        return durable.values().stream().filter(r -> r.stream().equals(stream)).toList();
    }

    /** A row for a checkpoint replicated from the stream's home region. */
    public static Row row(String stream, String group, String shardId, long checkpoint, long token, boolean ended) {
        return new Row(new GroupShard(stream, group, shardId), checkpoint, token, ended);
    }

    /**
     * Called with the rows of every group commit once durable, on the committer thread (must only hand off).
     * Replication sends a home's checkpoints to its replicas with it.
     */
    public void onCommitted(java.util.function.Consumer<List<Row>> listener) {
        this.committed = listener;
    }

    private final Path dir;
    private final Path file;
    private final FileChannelFactory files;
    private final Map<GroupShard, Row> durable = new ConcurrentHashMap<>();
    private final Set<GroupKey> unreadable = ConcurrentHashMap.newKeySet();
    private final Queue<Pending> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final ExecutorService committer;
    private final Timer commits;
    private final Counter failures;
    private FileChannel channel;
    private long size;
    private long liveBytes;
    private volatile IOException broken;
    private volatile long brokenAtNanos;
    private volatile CompletableFuture<Void> last = CompletableFuture.completedFuture(null);
    private volatile java.util.function.Consumer<List<Row>> committed = rows -> {};

    private record Pending(List<Row> rows, CompletableFuture<Void> done) {}

    private CheckpointStore(Path dir, MeterRegistry registry, FileChannelFactory files) {
        this.dir = dir;
        this.files = files;
        this.file = dir.resolve(FILE_NAME);
        this.committer = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "hub-checkpoints");
            t.setDaemon(true);
            return t;
        });
        this.commits = Timer.builder("tributary.group.checkpoint.commit")
                .description("Group commits of consumer-group checkpoints and lease tokens (write and fsync)")
                .register(registry);
        this.failures = Counter.builder("tributary.group.checkpoint.commit.failures")
                .description("Group commits that could not be written or fsync'd; their checkpoints were refused")
                .register(registry);
    }

    /** Opens (creating, migrating, recovering or compacting) the store in {@code dataDir/groups}. */
    public static CheckpointStore open(Path dataDir, MeterRegistry registry) throws IOException {
        return open(dataDir, registry, FileChannelFactory.DEFAULT);
    }

    /** As {@link #open(Path, MeterRegistry)}, appending through channels {@code files} opens (tests inject faults). */
    static CheckpointStore open(Path dataDir, MeterRegistry registry, FileChannelFactory files) throws IOException {
        CheckpointStore s = new CheckpointStore(dataDir.resolve("groups"), registry, files);
        try {
            s.load();
        } catch (IOException | RuntimeException e) {
            s.committer.shutdownNow();
            throw e;
        }
        return s;
    }

    @Override
    public Map<String, Row> rows(GroupKey group) throws IOException {
        if (unreadable.contains(group)) {
            throw new IOException("the checkpoints of " + group + " were unreadable; see the *.unreadable file");
        }
        Map<String, Row> out = new TreeMap<>();
        durable.forEach((k, v) -> {
            if (k.stream().equals(group.stream()) && k.group().equals(group.group())) {
                out.put(k.shardId(), v);
            }
        });
        return out;
    }

    /** Makes {@code rows} durable: the future completes after the group commit holding them is fsync'd. */
    @Override
    public CompletableFuture<Void> commit(List<Row> rows) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        IOException failed = broken;
        if (failed != null && System.nanoTime() - brokenAtNanos < TimeUnit.MILLISECONDS.toNanos(RETRY_MS)) {
            done.completeExceptionally(failed); // the committer tries to reopen the log with a later commit
            return done;
        }
        queue.add(new Pending(List.copyOf(rows), done));
        last = done;
        if (scheduled.compareAndSet(false, true)) {
            try {
                committer.execute(this::drain);
            } catch (RejectedExecutionException e) {
                failAll(new IOException("checkpoint store closed"));
            }
        }
        return done;
    }

    @Override
    public CompletableFuture<Void> sync() {
        return last.handle((v, e) -> null);
    }

    private void drain() {
        scheduled.set(false);
        List<Pending> batch = new ArrayList<>();
        for (Pending p; (p = queue.poll()) != null; ) {
            batch.add(p);
        }
        if (batch.isEmpty()) {
            return;
        }
        IOException failed = broken == null ? null : reopen();
        if (failed == null) {
            long start = System.nanoTime();
            failed = write(batch);
            if (failed == null) {
                commits.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
            }
        }
        for (Pending p : batch) {
            if (failed == null) {
                p.done.complete(null);
            } else {
                p.done.completeExceptionally(failed);
            }
        }
        if (failed == null && size > COMPACT_MIN_BYTES && size > 4 * liveBytes) {
            try {
                compact();
            } catch (IOException e) {
                // The old log is intact (the rename did not happen); the next commit appends to it as before.
                log.warn("{}: compaction failed, keeping the log as it is: {}", file, e.toString());
            }
        }
    }

    /** Writes and fsyncs the batch; null when it is durable, else why not. */
    private IOException write(List<Pending> batch) {
        List<ByteBuffer> entries = new ArrayList<>();
        int total = 0;
        for (Pending p : batch) {
            for (Row r : p.rows) {
                ByteBuffer e = CheckpointRows.entry(r);
                total += e.remaining();
                entries.add(e);
            }
        }
        ByteBuffer all = ByteBuffer.allocate(total);
        entries.forEach(all::put);
        all.flip();
        try {
            FramedLog.writeFully(channel, all);
        } catch (IOException e) {
            failures.increment();
            log.error("{}: writing {} checkpoint rows failed: {}", file, entries.size(), e.toString());
            try {
                channel.truncate(size);
                channel.position(size);
            } catch (IOException t) {
                broken(new IOException("checkpoint log unusable after a failed write: " + t, t));
                log.error("{}: cannot cut off the failed write, refusing checkpoints until it can: {}", file, t);
            }
            return e;
        }
        try {
            channel.force(false);
        } catch (IOException e) {
            failures.increment();
            broken(new IOException("checkpoint log fsync failed: " + e, e));
            log.error("{}: fsync failed; checkpoints are refused until the log is cut back and synced: {}", file, e);
            return e;
        }
        size += total;
        List<Row> rows = new ArrayList<>();
        for (Pending p : batch) {
            for (Row r : p.rows) {
                apply(r);
                rows.add(r);
            }
        }
        try {
            committed.accept(rows);
        } catch (RuntimeException e) {
            log.warn("checkpoint commit listener failed: {}", e.toString());
        }
        return null;
    }

    private void broken(IOException e) {
        brokenAtNanos = System.nanoTime();
        broken = e;
    }

    /**
     * Cuts the log back to the last durable commit (what the rows in memory hold) and fsyncs the cut: the log can then
     * be trusted and appended to again. Null when done; else why not (the store stays broken and tries again later).
     * Committer thread.
     */
    private IOException reopen() {
        try {
            if (channel != null) {
                channel.close();
            }
            channel = appendChannel();
            broken = null;
            log.info("{}: reopened at its last durable commit ({} bytes); checkpoints are accepted again", file, size);
            return null;
        } catch (IOException e) {
            failures.increment();
            broken(new IOException("checkpoint log still unusable: " + e, e));
            log.warn("{}: reopening failed, checkpoints stay refused: {}", file, e.toString());
            return broken;
        }
    }

    private void apply(Row r) {
        Row old = durable.put(r.key, r);
        liveBytes += CheckpointRows.entrySize(r) - (old == null ? 0 : CheckpointRows.entrySize(old));
    }

    private void failAll(IOException e) {
        for (Pending p; (p = queue.poll()) != null; ) {
            p.done.completeExceptionally(e);
        }
    }

    private void load() throws IOException {
        io.tributary.protocol.fs.DurableDirs.create(dir);
        List<Path> legacy = LegacyCheckpoints.files(dir);
        if (!Files.exists(file)) {
            Map<GroupShard, Row> migrated = new LinkedHashMap<>();
            for (Path old : legacy) {
                migrated.putAll(LegacyCheckpoints.read(old, unreadable));
            }
            rewrite(migrated.values());
            if (!legacy.isEmpty()) {
                log.info("migrated {} group shard checkpoints from {} per-group files", migrated.size(), legacy.size());
            }
        } else if (!legacy.isEmpty()) {
            log.info("deleting {} per-group checkpoint files migrated before", legacy.size());
        }
        for (Path old : legacy) {
            if (Files.exists(old)) {
                Files.delete(old);
            }
        }
        int[] entries = {0};
        FramedLog.Scan scan =
                FramedLog.scan(file, MAGIC, VERSION, CheckpointRows.MIN_BODY, CheckpointRows.MAX_BODY, body -> {
                    Row r = CheckpointRows.parse(body);
                    if (r != null) {
                        apply(r);
                        entries[0]++;
                    }
                    return r != null;
                });
        if (scan.cut() > 0) {
            log.warn(
                    "{}: cut {} bytes after offset {} (a torn or damaged tail; rows in it were never acknowledged)",
                    file,
                    scan.cut(),
                    scan.valid());
        }
        size = scan.valid();
        if (size > COMPACT_MIN_BYTES && size > 4 * liveBytes) {
            compact();
        } else {
            channel = appendChannel();
        }
        log.info("consumer-group checkpoints: {} group shards ({} log entries)", durable.size(), entries[0]);
    }

    /** Replaces the log with one holding {@code rows}: temp file, fsync, atomic rename, directory fsync. */
    private void rewrite(Iterable<Row> rows) throws IOException {
        List<ByteBuffer> entries = new ArrayList<>();
        rows.forEach(r -> entries.add(CheckpointRows.entry(r)));
        size = FramedLog.rewrite(file, MAGIC, VERSION, entries);
    }

    private void compact() throws IOException {
        long before = size;
        try {
            rewrite(durable.values());
            log.info("{}: compacted {} bytes to {}", file, before, size);
        } finally {
            // Whether or not the rename happened, append to whatever file now has the name.
            if (channel != null) {
                channel.close();
            }
            channel = files.open(file, Set.of(StandardOpenOption.WRITE));
            size = channel.size();
            channel.position(size);
        }
    }

    /** The log opened for appending after its {@code size} durable bytes, anything after them cut off durably. */
    private FileChannel appendChannel() throws IOException {
        return FramedLog.appendAfter(files.open(file, Set.of(StandardOpenOption.WRITE)), size);
    }

    /** Waits for queued commits, then closes the log. */
    @Override
    public void close() {
        committer.shutdown();
        try {
            committer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        failAll(new IOException("checkpoint store closed"));
        try {
            if (channel != null) {
                channel.close();
            }
        } catch (IOException e) {
            log.warn("closing {}: {}", file, e.toString());
        }
    }
}
