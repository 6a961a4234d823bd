package io.tributary.hub.group;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.tributary.hub.fs.FramedLog;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
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
 * <p><b>Migration.</b> Hubs before this log kept one file per group ({@code groups/<stream>/<group>.checkpoints},
 * {@link CheckpointFile}). When the log does not exist yet, {@link #open} reads those files once and writes their rows
 * as the first log (temp, fsync, rename), then deletes them; old files found next to an existing log were already
 * migrated (a crash between the rename and the deletes) and are deleted. An old file that cannot be read is renamed
 * to {@code *.unreadable} and its group refused ({@link #rows} throws), as the old hub refused it: granting its tokens
 * afresh could hand a token out twice.
 *
 * <p><b>Failures.</b> A failed write is cut off the log and fails its commit; later commits are tried again. A failed
 * fsync fails its commit and every later one: after it the kernel may have dropped the dirty pages, so nothing written
 * since the last good fsync can be trusted (restart the hub).
 *
 * <p>Thread rules: {@link #commit}, {@link #rows} and {@link #sync} from any thread; file I/O on the committer thread
 * only.
 */
public final class CheckpointStore implements Checkpoints, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CheckpointStore.class);

    static final String FILE_NAME = "checkpoints.log";
    private static final String LEGACY_SUFFIX = ".checkpoints";
    private static final int MAGIC = 0x54524743; // "TRGC"
    private static final int VERSION = 1;
    static final long COMPACT_MIN_BYTES = 1 << 20;

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
    private volatile CompletableFuture<Void> last = CompletableFuture.completedFuture(null);
    private volatile java.util.function.Consumer<List<Row>> committed = rows -> {};

    private record Pending(List<Row> rows, CompletableFuture<Void> done) {}

    private CheckpointStore(Path dir, MeterRegistry registry) {
        this.dir = dir;
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
        CheckpointStore s = new CheckpointStore(dataDir.resolve("groups"), registry);
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
        if (failed != null) {
            done.completeExceptionally(failed);
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
        IOException failed = broken;
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
                broken = new IOException("checkpoint log unusable after a failed write: " + t, t);
                log.error("{}: cannot cut off the failed write, refusing every later checkpoint: {}", file, t);
            }
            return e;
        }
        try {
            channel.force(false);
        } catch (IOException e) {
            failures.increment();
            broken = new IOException("checkpoint log fsync failed, restart the hub: " + e, e);
            log.error("{}: fsync failed; every later checkpoint is refused until the hub restarts: {}", file, e);
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
        List<Path> legacy = legacyFiles();
        if (!Files.exists(file)) {
            Map<GroupShard, Row> migrated = new LinkedHashMap<>();
            for (Path old : legacy) {
                migrated.putAll(readLegacy(old));
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
            channel = FramedLog.openForAppend(file, size);
        }
        log.info("consumer-group checkpoints: {} group shards ({} log entries)", durable.size(), entries[0]);
    }

    /** {@code groups/<stream>/<group>.checkpoints}, and temp files the old writer left. */
    private List<Path> legacyFiles() throws IOException {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> streams = Files.newDirectoryStream(dir, Files::isDirectory)) {
            for (Path stream : streams) {
                try (DirectoryStream<Path> files = Files.newDirectoryStream(
                        stream,
                        f -> f.toString().endsWith(LEGACY_SUFFIX)
                                || f.toString().endsWith(LEGACY_SUFFIX + ".tmp"))) {
                    files.forEach(out::add);
                }
            }
        }
        out.sort(null);
        return out;
    }

    private Map<GroupShard, Row> readLegacy(Path old) throws IOException {
        Map<GroupShard, Row> out = new LinkedHashMap<>();
        String name = old.getFileName().toString();
        if (name.endsWith(".tmp")) {
            return out; // never renamed into place: never acknowledged
        }
        GroupKey group = new GroupKey(
                old.getParent().getFileName().toString(), name.substring(0, name.length() - LEGACY_SUFFIX.length()));
        try {
            for (ShardLease l : CheckpointFile.read(old).values()) {
                GroupShard key = group.shard(l.shardId);
                out.put(key, new Row(key, l.checkpoint, l.token, l.ended));
            }
        } catch (IOException | RuntimeException e) {
            Path aside = old.resolveSibling(name + ".unreadable");
            Files.move(old, aside, StandardCopyOption.REPLACE_EXISTING);
            // Durable before checkpoints.log is: else a power cut brings the legacy name back and the next open,
            // finding the log, deletes it as migrated — and the group is no longer refused.
            FramedLog.fsyncDirectory(old.getParent());
            unreadable.add(group);
            log.error("checkpoints of {} are unreadable ({}); kept as {}, the group is refused", group, e, aside);
        }
        return out;
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
            channel = FileChannel.open(file, StandardOpenOption.WRITE);
            size = channel.size();
            channel.position(size);
        }
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
