package io.tributary.edge.mqtt;

import io.tributary.edge.buffer.log.LogFiles;
import io.tributary.edge.mqtt.pubsub.TopicFilters;
import io.tributary.edge.state.GroupCommitter;
import io.tributary.edge.state.Journal;
import io.tributary.edge.state.MapDbView;
import io.tributary.edge.state.WriteHealth;
import io.tributary.protocol.fs.DurableDirs;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
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

    private final Path dir;
    private final Journal journal;
    private final MapDbView view;
    private final HTreeMap<String, byte[]> byTopic;
    private final long compactBytes;
    private final MqttMetrics metrics;
    private final WriteHealth health;
    private final AtomicInteger size = new AtomicInteger();
    private final GroupCommitter<Change> writer;
    private long lastSeq;

    private volatile boolean closed;

    private DurableRetainedMessages(
            Path dir, Journal journal, MapDbView view, long lastSeq, long compactBytes, MqttMetrics m, WriteHealth h) {
        this.dir = dir;
        this.journal = journal;
        this.view = view;
        this.byTopic = map(view.db());
        this.lastSeq = lastSeq;
        this.compactBytes = compactBytes;
        this.metrics = m;
        this.health = h;
        this.size.set(byTopic.size());
        this.writer = new GroupCommitter<>("retained-journal", this::commit);
    }

    /**
     * Opens the store in {@code dir} (created if needed), rebuilding the MapDB view from the journal when it cannot
     * be proven current.
     *
     * @throws IOException when the directory or the journal cannot be read or written
     */
    static DurableRetainedMessages open(Path dir, long compactBytes, MqttMetrics metrics) throws IOException {
        return open(dir, compactBytes, metrics, LogFiles.DEFAULT);
    }

    /** As {@link #open(Path, long, MqttMetrics)}, with the journal's files opened through {@code files}. */
    static DurableRetainedMessages open(Path dir, long compactBytes, MqttMetrics metrics, LogFiles files)
            throws IOException {
        DurableDirs.create(dir);
        Path journalFile = dir.resolve(JOURNAL);
        long[] last = new long[1];
        Journal.Opened opened =
                Journal.open(journalFile, body -> last[0] = Math.max(last[0], RetainedCodec.seq(body)), files);
        MapDbView view;
        try {
            view = MapDbView.open(
                    dir.resolve(MAPDB),
                    journalFile,
                    last[0],
                    db -> {
                        HTreeMap<String, byte[]> map = map(db);
                        return body -> apply(map, body);
                    },
                    "Retained-message view");
        } catch (IOException | RuntimeException e) {
            opened.journal().close();
            throw e;
        }
        DurableRetainedMessages store = new DurableRetainedMessages(
                dir,
                opened.journal(),
                view,
                last[0],
                compactBytes,
                metrics,
                new WriteHealth("retained", metrics.registry()));
        store.writer.start();
        metrics.retainedStore(store::journalBytes);
        if (view.rebuilt() != null) {
            metrics.retainedRebuilt(view.rebuilt()); // logged by the view
        }
        log.info(
                "Retained messages {}: {} topics, journal {} bytes at change {}{}",
                dir,
                store.size(),
                opened.journal().size(),
                last[0],
                view.rebuilt() == null ? "" : " (view rebuilt: " + view.rebuilt() + ")");
        return store;
    }

    @SuppressWarnings("unchecked")
    private static HTreeMap<String, byte[]> map(DB db) {
        return (HTreeMap<String, byte[]>)
                db.hashMap("retained", Serializer.STRING, Serializer.BYTE_ARRAY).createOrOpen();
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
            writer.submit(new Change(message, done));
        }
        return done;
    }

    private void commit(List<Change> batch) {
        long seq = lastSeq;
        List<byte[]> bodies = new ArrayList<>(batch.size());
        try {
            for (Change c : batch) {
                LocalMessage m = c.message();
                bodies.add(
                        m.payload().length == 0 ? RetainedCodec.clear(++seq, m.topic()) : RetainedCodec.set(++seq, m));
            }
            journal.appendAndSync(bodies);
        } catch (IOException | RuntimeException e) {
            log.error("Cannot write the retained-message journal in {}; {} changes refused", dir, batch.size(), e);
            health.failed(e);
            batch.forEach(c -> c.done().completeExceptionally(e));
            return;
        }
        health.succeeded();
        lastSeq = seq;
        for (byte[] body : bodies) {
            size.addAndGet(apply(byTopic, ByteBuffer.wrap(body)));
        }
        view.position(seq);
        batch.forEach(c -> c.done().complete(null));
        if (journal.compactIfPast(compactBytes, this::snapshot, () -> size.get() + " retained topics")) {
            metrics.retainedCompacted();
        }
    }

    /** The journal as POSITION + one SET per live topic (taken from the view, current at this point). */
    private Iterable<byte[]> snapshot() {
        return () -> new Iterator<>() {
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
    }

    @Override
    public List<LocalMessage> matching(String filter, long nowMillis) {
        List<LocalMessage> result = new ArrayList<>();
        if (TopicFilters.isTopicName(filter)) {
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

    /** Whether the journal can be written, for health. */
    WriteHealth health() {
        return health;
    }

    /** Waits for the queued changes, then marks the view current (clean, at the journal's position) and closes. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            writer.stop()
                    .forEach(c -> c.done().completeExceptionally(new IOException("retained-message store closed")));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        view.close(lastSeq);
        journal.close();
        log.info("Retained messages {} closed at change {}", dir, lastSeq);
    }
}
