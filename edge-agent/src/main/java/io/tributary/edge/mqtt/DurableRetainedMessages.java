package io.tributary.edge.mqtt;

import io.tributary.edge.mqtt.pubsub.TopicFilters;
import io.tributary.edge.state.Journal;
import io.tributary.edge.state.MapDbView;
import io.tributary.protocol.fs.DurableDirs;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.mapdb.Atomic;
import org.mapdb.DB;
import org.mapdb.HTreeMap;
import org.mapdb.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link RetainedMessages} that survive restarts and SIGKILL, off the Java heap. Files in its directory:
 *
 * <ul>
 *   <li>{@code retained.journal}: the source of truth, a {@link Journal} of {@link RetainedCodec} entries. A change
 *       is appended and fsync'd (group commit: one fsync for every change queued meanwhile) before its
 *       {@link #retain} stage completes, i.e. before the PUBACK of the retained publish. When the file passes the
 *       compaction threshold it is rewritten as a snapshot: a POSITION entry, then one SET per live topic.
 *   <li>{@code retained.mapdb}: a MapDB 3.1 file (memory-mapped) with the map topic → SET entry, the journal
 *       {@code position} (seq of the last change applied) and a {@code clean} flag. A materialised view: at start it
 *       is used only if {@code clean} is set (written at close, cleared right after open) and its position equals
 *       the journal's last seq; otherwise (a crash, a file MapDB cannot open) it is deleted and rebuilt from the
 *       journal, logged and counted in {@code tributary_edge_mqtt_retained_rebuilds_total{reason}}, never a
 *       start-up failure.
 * </ul>
 *
 * <p>Threads: {@link #retain} and the readers from any thread; one writer thread ({@code retained-journal}) appends,
 * syncs, applies to MapDB and compacts; {@link #close} once.
 */
final class DurableRetainedMessages implements RetainedMessages, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DurableRetainedMessages.class);

    static final String JOURNAL = "retained.journal";
    static final String MAPDB = "retained.mapdb";

    private record Change(LocalMessage message, CompletableFuture<Void> done) {}

    private static final Change STOP = new Change(null, null);

    private final Path dir;
    private final Journal journal;
    private final DB db;
    private final HTreeMap<String, byte[]> byTopic;
    private final Atomic.Long position;
    private final Atomic.Boolean clean;
    private final long compactBytes;
    private final MqttMetrics metrics;
    private final AtomicInteger size = new AtomicInteger();
    private final LinkedBlockingQueue<Change> queue = new LinkedBlockingQueue<>();
    private final Thread writer;
    private long lastSeq;
    /** Size of the journal right after the last compaction (0 before the first one since start). */
    private long snapshotBytes;

    private volatile boolean closed;

    private DurableRetainedMessages(Path dir, Journal journal, DB db, long lastSeq, long compactBytes, MqttMetrics m) {
        this.dir = dir;
        this.journal = journal;
        this.db = db;
        this.byTopic = map(db);
        this.position = db.atomicLong("position").createOrOpen();
        this.clean = db.atomicBoolean("clean").createOrOpen();
        this.lastSeq = lastSeq;
        this.compactBytes = compactBytes;
        this.metrics = m;
        this.snapshotBytes = 0; // unknown after a start: the first time past compactBytes compacts
        this.size.set(byTopic.size());
        this.writer = new Thread(this::writeLoop, "retained-journal");
        this.writer.setDaemon(true);
    }

    /**
     * Opens the store in {@code dir} (created if needed), rebuilding the MapDB view from the journal when it cannot
     * be proven current.
     *
     * @throws IOException when the directory or the journal cannot be read or written
     */
    static DurableRetainedMessages open(Path dir, long compactBytes, MqttMetrics metrics) throws IOException {
        long started = System.nanoTime();
        DurableDirs.create(dir);
        Path journalFile = dir.resolve(JOURNAL);
        long[] last = new long[1];
        Journal.Opened opened = Journal.open(journalFile, body -> last[0] = Math.max(last[0], RetainedCodec.seq(body)));
        Path dbFile = dir.resolve(MAPDB);
        DB db = null;
        String rebuild = null;
        boolean existed = Files.exists(dbFile);
        try {
            db = MapDbView.open(dbFile);
            if (!existed) {
                // a first start has nothing to rebuild; a deleted view with a journal does
                rebuild = last[0] > 0 ? "missing" : null;
            } else {
                rebuild = MapDbView.staleReason(db, dbFile, last[0]);
            }
        } catch (RuntimeException | Error e) { // MapDB reports a damaged file with assorted exceptions and errors
            rebuild = "unreadable";
            log.warn("Retained-message view {} cannot be opened: {}", dbFile, e.toString());
        }
        if (rebuild != null) {
            if (db != null) {
                db.close();
            }
            opened.journal().close();
            db = rebuild(dbFile, journalFile, rebuild, metrics, started);
            opened = Journal.open(journalFile, body -> {});
        }
        DurableRetainedMessages store =
                new DurableRetainedMessages(dir, opened.journal(), db, last[0], compactBytes, metrics);
        store.clean.set(false); // from here on the view may run ahead of a clean state: prove it again at close
        store.position.set(last[0]);
        db.commit();
        store.writer.start();
        metrics.retainedStore(store::journalBytes);
        log.info(
                "Retained messages {}: {} topics, journal {} bytes at change {}{}",
                dir,
                store.size(),
                opened.journal().size(),
                last[0],
                rebuild == null ? "" : " (view rebuilt: " + rebuild + ")");
        return store;
    }

    @SuppressWarnings("unchecked")
    private static HTreeMap<String, byte[]> map(DB db) {
        return (HTreeMap<String, byte[]>)
                db.hashMap("retained", Serializer.STRING, Serializer.BYTE_ARRAY).createOrOpen();
    }

    private static DB rebuild(Path dbFile, Path journalFile, String reason, MqttMetrics metrics, long started)
            throws IOException {
        Files.deleteIfExists(dbFile);
        DB db = MapDbView.open(dbFile);
        HTreeMap<String, byte[]> map = map(db);
        int[] entries = new int[1];
        Journal.open(journalFile, body -> {
                    apply(map, body);
                    entries[0]++;
                })
                .journal()
                .close();
        db.commit();
        metrics.retainedRebuilt(reason);
        log.warn(
                "Rebuilt the retained-message view {} from {} journal entries in {} ms ({}; counted in"
                        + " tributary_edge_mqtt_retained_rebuilds_total)",
                dbFile,
                entries[0],
                (System.nanoTime() - started) / 1_000_000,
                reason);
        return db;
    }

    /** Applies one journal entry to the view; returns the change in topic count (-1, 0, +1). */
    private static int apply(HTreeMap<String, byte[]> map, ByteBuffer body) {
        byte type = RetainedCodec.type(body);
        if (type == RetainedCodec.SET) {
            byte[] value = new byte[body.remaining()];
            body.duplicate().get(value);
            return map.put(RetainedCodec.topic(body), value) == null ? 1 : 0;
        }
        if (type == RetainedCodec.CLEAR) {
            return map.remove(RetainedCodec.topic(body)) == null ? 0 : -1;
        }
        return 0; // POSITION
    }

    @Override
    public CompletionStage<Void> retain(LocalMessage message) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (closed) {
            done.completeExceptionally(new IOException("retained-message store closed"));
        } else {
            queue.offer(new Change(message, done));
        }
        return done;
    }

    private void writeLoop() {
        List<Change> batch = new ArrayList<>();
        while (true) {
            try {
                batch.add(queue.take());
            } catch (InterruptedException e) {
                return; // close() interrupts only after STOP was missed; nothing left to do
            }
            queue.drainTo(batch);
            boolean stop = batch.remove(STOP);
            if (!batch.isEmpty()) {
                commit(batch);
            }
            batch.clear();
            if (stop) {
                return;
            }
        }
    }

    private void commit(List<Change> batch) {
        long before = journal.size();
        long seq = lastSeq;
        List<byte[]> bodies = new ArrayList<>(batch.size());
        try {
            for (Change c : batch) {
                LocalMessage m = c.message();
                byte[] body =
                        m.payload().length == 0 ? RetainedCodec.clear(++seq, m.topic()) : RetainedCodec.set(++seq, m);
                journal.append(body);
                bodies.add(body);
            }
            journal.sync();
        } catch (IOException | RuntimeException e) {
            log.error("Cannot write the retained-message journal in {}; {} changes refused", dir, batch.size(), e);
            try {
                journal.truncate(before);
            } catch (IOException again) {
                log.error("Cannot cut the retained-message journal back after a failed write", again);
            }
            batch.forEach(c -> c.done().completeExceptionally(e));
            return;
        }
        lastSeq = seq;
        for (byte[] body : bodies) {
            size.addAndGet(apply(byTopic, ByteBuffer.wrap(body)));
        }
        position.set(seq);
        batch.forEach(c -> c.done().complete(null));
        if (journal.size() > compactBytes && journal.size() > 2 * snapshotBytes) {
            compact();
        }
    }

    /** Rewrites the journal as POSITION + one SET per live topic (taken from the view, current at this point). */
    private void compact() {
        long started = System.nanoTime();
        long from = journal.size();
        Iterable<byte[]> snapshot = () -> new Iterator<>() {
            private final Iterator<byte[]> values = byTopic.values().iterator();
            private boolean first = true;

            @Override
            public boolean hasNext() {
                return first || values.hasNext();
            }

            @Override
            public byte[] next() {
                if (first) {
                    first = false;
                    return RetainedCodec.position(lastSeq);
                }
                return values.next();
            }
        };
        try {
            journal.rewrite(snapshot);
            snapshotBytes = journal.size();
            metrics.retainedCompacted();
            log.info(
                    "Compacted the retained-message journal in {}: {} -> {} bytes, {} topics, {} ms",
                    dir,
                    from,
                    journal.size(),
                    size.get(),
                    (System.nanoTime() - started) / 1_000_000);
        } catch (IOException e) {
            log.error("Cannot compact the retained-message journal in {} (it keeps growing)", dir, e);
        }
    }

    @Override
    public List<LocalMessage> matching(String filter, long nowMillis) {
        List<LocalMessage> result = new ArrayList<>();
        if (filter.indexOf('+') < 0 && filter.indexOf('#') < 0) {
            byte[] value = byTopic.get(filter);
            if (value != null) {
                keepIfLive(RetainedCodec.message(ByteBuffer.wrap(value)), nowMillis, result);
            }
            return result;
        }
        for (var e : byTopic.getEntries()) {
            if (TopicFilters.matches(filter, e.getKey())) {
                keepIfLive(RetainedCodec.message(ByteBuffer.wrap(e.getValue())), nowMillis, result);
            }
        }
        return result;
    }

    private static void keepIfLive(LocalMessage m, long nowMillis, List<LocalMessage> result) {
        if (!m.expired(nowMillis)) {
            result.add(m);
        }
    }

    @Override
    public int size() {
        return size.get();
    }

    long journalBytes() {
        return journal.size();
    }

    /** Waits for the queued changes, then marks the view current (clean, at the journal's position) and closes. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        queue.offer(STOP);
        try {
            writer.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Change c; (c = queue.poll()) != null; ) {
            if (c != STOP) {
                c.done().completeExceptionally(new IOException("retained-message store closed"));
            }
        }
        position.set(lastSeq);
        clean.set(true);
        db.commit();
        db.close();
        journal.close();
        log.info("Retained messages {} closed at change {}", dir, lastSeq);
    }
}
