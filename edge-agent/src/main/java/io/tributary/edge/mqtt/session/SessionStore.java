package io.tributary.edge.mqtt.session;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.edge.buffer.log.LogFiles;
import io.tributary.edge.mqtt.pubsub.Subscription;
import io.tributary.edge.state.Fields;
import io.tributary.edge.state.GroupCommitter;
import io.tributary.edge.state.Journal;
import io.tributary.edge.state.MapDbView;
import io.tributary.edge.state.WriteHealth;
import io.tributary.protocol.fs.DurableDirs;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import org.mapdb.DB;
import org.mapdb.HTreeMap;
import org.mapdb.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The persistent MQTT sessions and their queued messages, surviving restarts and SIGKILL. Files in its directory:
 *
 * <ul>
 *   <li>{@code sessions.journal}: the source of truth, a {@link Journal} of {@link SessionEntries}. Every change is
 *       appended and fsync'd (group commit: one fsync for all changes queued meanwhile) before its future completes:
 *       the CONNACK creating a session, a SUBACK, the PUBACK of a publish queued for a session wait for it. Queued
 *       messages are MSG entries here, never MapDB entries. Past the compaction threshold (and twice the last
 *       snapshot) the journal is rewritten as POSITION, one STATE per session, and the MSG/REL entries still live.
 *   <li>{@code sessions.mapdb}: MapDB 3.1 view client id → {@link SessionRecord}, with the journal {@code position}
 *       and a {@code clean} flag, used at start only when closed cleanly at the journal's last entry; otherwise it is
 *       deleted and rebuilt from the journal, logged and counted in
 *       {@code tributary_edge_mqtt_sessions_rebuilds_total{reason}}, never a start-up failure.
 * </ul>
 *
 * <p>Threads: every method from any thread; one writer thread ({@code session-journal}) appends, syncs, applies and
 * compacts. Entries are journaled in the order of the calls (a call takes a sequence number and queues its entry
 * atomically), so the changes to one session are in the order its owner made them.
 */
public final class SessionStore implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SessionStore.class);

    public static final String JOURNAL = "sessions.journal";
    static final String MAPDB = "sessions.mapdb";

    /** A message just queued: its sequence number, and a future that completes once it is durable. */
    public record Enqueued(long seq, CompletableFuture<Void> durable) {}

    private record Change(byte[] body, CompletableFuture<Void> done) {}

    private final Path dir;
    private final Journal journal;
    private final MapDbView view;
    private final HTreeMap<String, byte[]> sessions;
    private final Map<String, LinkedHashMap<Long, SessionViews.Live>> queues;
    private final long compactBytes;
    private final MeterRegistry registry;
    private final WriteHealth health;
    private final GroupCommitter<Change> writer;
    private long nextSeq; // guarded by this: taken and queued together
    private long lastSeq; // writer thread
    private volatile boolean closed;

    private SessionStore(
            Path dir,
            Journal journal,
            MapDbView view,
            Map<String, LinkedHashMap<Long, SessionViews.Live>> queues,
            long lastSeq,
            long compactBytes,
            MeterRegistry registry) {
        this.dir = dir;
        this.journal = journal;
        this.view = view;
        this.sessions = map(view.db());
        this.queues = queues;
        this.lastSeq = lastSeq;
        this.nextSeq = lastSeq;
        this.compactBytes = compactBytes;
        this.registry = registry;
        this.health = new WriteHealth("sessions", registry);
        this.writer = new GroupCommitter<>("session-journal", this::commit);
    }

    /**
     * Opens the store in {@code dir} (created if needed), rebuilding the MapDB view from the journal when it cannot
     * be proven current.
     *
     * @throws IOException when the directory or the journal cannot be read or written
     */
    public static SessionStore open(Path dir, long compactBytes, MeterRegistry registry) throws IOException {
        return open(dir, compactBytes, registry, LogFiles.DEFAULT);
    }

    /** As {@link #open(Path, long, MeterRegistry)}, with the journal's files opened through {@code files}. */
    static SessionStore open(Path dir, long compactBytes, MeterRegistry registry, LogFiles files) throws IOException {
        DurableDirs.create(dir);
        Path journalFile = dir.resolve(JOURNAL);
        long[] last = new long[1];
        Map<String, LinkedHashMap<Long, SessionViews.Live>> queues = new HashMap<>();
        Journal.Opened opened = Journal.open(
                journalFile,
                body -> {
                    last[0] = Math.max(last[0], SessionEntries.seq(body));
                    SessionViews.applyToQueues(queues, body);
                },
                files);
        MapDbView view;
        try {
            view = MapDbView.open(
                    dir.resolve(MAPDB),
                    journalFile,
                    last[0],
                    db -> {
                        HTreeMap<String, byte[]> map = map(db);
                        return body -> SessionViews.applyToSessions(map, body);
                    },
                    "Session view");
        } catch (IOException | RuntimeException e) {
            opened.journal().close();
            throw e;
        }
        MapDbView.REBUILD_REASONS.forEach(reason -> rebuilds(registry, reason));
        if (view.rebuilt() != null) {
            rebuilds(registry, view.rebuilt()).increment(); // logged by the view
        }
        SessionStore store = new SessionStore(dir, opened.journal(), view, queues, last[0], compactBytes, registry);
        queues.keySet().retainAll(store.sessions.keySet()); // messages of a session that ended go with it
        store.writer.start();
        Gauge.builder("tributary.edge.mqtt.sessions.journal", store, SessionStore::journalBytes)
                .description("Size of the persistent-session journal (compacted past a threshold)")
                .baseUnit("bytes")
                .register(registry);
        compactions(registry);
        log.info(
                "Persistent MQTT sessions {}: {} sessions, {} queued messages, journal {} bytes at entry {}{}",
                dir,
                store.sessions.size(),
                queues.values().stream().mapToInt(Map::size).sum(),
                opened.journal().size(),
                last[0],
                view.rebuilt() == null ? "" : " (view rebuilt: " + view.rebuilt() + ")");
        return store;
    }

    @SuppressWarnings("unchecked")
    private static HTreeMap<String, byte[]> map(DB db) {
        return (HTreeMap<String, byte[]>)
                db.hashMap("sessions", Serializer.STRING, Serializer.BYTE_ARRAY).createOrOpen();
    }

    private static Counter rebuilds(MeterRegistry registry, String reason) {
        return Counter.builder("tributary.edge.mqtt.sessions.rebuilds")
                .description("Start-ups that rebuilt the persistent-session view (MapDB) from the journal, by reason")
                .tag("reason", reason)
                .register(registry);
    }

    private static Counter compactions(MeterRegistry registry) {
        return Counter.builder("tributary.edge.mqtt.sessions.compactions")
                .description(
                        "Rewrites of the persistent-session journal as a snapshot of the live sessions and messages")
                .register(registry);
    }

    /** The sessions found at start with their queued messages; meant to be called once, before any change. */
    public List<StoredSession> restored() {
        List<StoredSession> out = new ArrayList<>();
        for (var e : sessions.getEntries()) {
            synchronized (queues) {
                out.add(SessionRecord.decode(ByteBuffer.wrap(e.getValue()))
                        .toStored(e.getKey(), SessionViews.stored(queues.get(e.getKey()))));
            }
        }
        return out;
    }

    /**
     * The expiry interval {@code clientId}'s session was last journaled with (as applied to the view, so after its
     * fsync); empty when no session of that id is stored. Reads the view; not after {@link #close()}.
     */
    public OptionalLong expirySeconds(String clientId) {
        byte[] value = sessions.get(clientId);
        return value == null
                ? OptionalLong.empty()
                : OptionalLong.of(SessionRecord.decode(ByteBuffer.wrap(value)).expirySeconds);
    }

    /** Sessions stored now. */
    public int sessions() {
        return sessions.size();
    }

    /**
     * Creates (or replaces, clearing its queue) the session of {@code clientId}, connected, with {@code subscriptions}
     * (those a session that was to end with its connection already had when it became persistent; usually none).
     */
    public CompletableFuture<Void> create(String clientId, long expirySeconds, List<Subscription> subscriptions) {
        SessionRecord record = new SessionRecord(expirySeconds, 0);
        subscriptions.forEach(sub -> record.subscriptions.put(sub.key(), sub));
        return submit(SessionEntries.STATE, clientId, record::write).done();
    }

    /** The session's connection ended at {@code atMillis} (0: a connection took it again) with this expiry. */
    public CompletableFuture<Void> detached(String clientId, long expirySeconds, long atMillis) {
        return submit(SessionEntries.DETACHED, clientId, out -> {
                    out.writeLong(expirySeconds);
                    out.writeLong(atMillis);
                })
                .done();
    }

    public CompletableFuture<Void> subscribe(String clientId, Subscription subscription) {
        return submit(SessionEntries.SUB, clientId, out -> SessionEntries.subscription(out, subscription))
                .done();
    }

    /** Removes the subscription whose filter the client wrote as {@code key}. */
    public CompletableFuture<Void> unsubscribe(String clientId, String key) {
        return submit(SessionEntries.UNSUB, clientId, out -> Fields.string(out, key))
                .done();
    }

    /** The session ended: it and its queued messages are deleted. */
    public CompletableFuture<Void> end(String clientId) {
        return submit(SessionEntries.END, clientId, out -> {}).done();
    }

    /** Queues a message for the session; see {@link StoredMessage} for the fields. */
    public Enqueued enqueue(
            String clientId, int packetId, int qos, boolean retain, List<Integer> subscriptionIds, byte[] message) {
        Change change = submit(SessionEntries.MSG, clientId, out -> {
            out.writeInt(packetId);
            out.writeByte(qos);
            out.writeByte(retain ? 1 : 0);
            out.writeInt(subscriptionIds.size());
            for (int id : subscriptionIds) {
                out.writeInt(id);
            }
            Fields.bytes(out, message);
        });
        return new Enqueued(SessionEntries.seq(ByteBuffer.wrap(change.body())), change.done());
    }

    /** The client sent PUBREC for the QoS 2 message {@code msgSeq}: after a restart it is resumed with PUBREL. */
    public CompletableFuture<Void> released(String clientId, long msgSeq) {
        return submit(SessionEntries.REL, clientId, out -> out.writeLong(msgSeq))
                .done();
    }

    /** The message {@code msgSeq} is done (acknowledged, expired or dropped): it is not sent again. */
    public CompletableFuture<Void> acked(String clientId, long msgSeq) {
        return submit(SessionEntries.ACK, clientId, out -> out.writeLong(msgSeq))
                .done();
    }

    private synchronized Change submit(byte type, String clientId, SessionEntries.Writer rest) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        byte[] body = SessionEntries.entry(type, ++nextSeq, clientId, rest);
        Change change = new Change(body, done);
        if (closed) {
            done.completeExceptionally(new IOException("session store closed"));
        } else {
            writer.submit(change);
        }
        return change;
    }

    private void commit(List<Change> batch) {
        try {
            journal.appendAndSync(batch.stream().map(Change::body).toList());
        } catch (IOException | RuntimeException e) {
            log.error("Cannot write the session journal in {}; {} changes refused", dir, batch.size(), e);
            health.failed(e);
            batch.forEach(c -> c.done().completeExceptionally(e));
            return;
        }
        health.succeeded();
        for (Change c : batch) {
            ByteBuffer body = ByteBuffer.wrap(c.body());
            SessionViews.applyToSessions(sessions, body);
            synchronized (queues) {
                SessionViews.applyToQueues(queues, body);
            }
            lastSeq = SessionEntries.seq(body);
        }
        view.position(lastSeq);
        batch.forEach(c -> c.done().complete(null));
        if (journal.compactIfPast(compactBytes, this::snapshot, () -> sessions.size() + " sessions")) {
            compactions(registry).increment();
        }
    }

    /** The journal as POSITION, one STATE per session, then the live MSG and REL entries. */
    private List<byte[]> snapshot() {
        List<byte[]> snapshot = new ArrayList<>();
        snapshot.add(SessionEntries.entry(SessionEntries.POSITION, lastSeq, "", out -> {}));
        for (var e : sessions.getEntries()) {
            byte[] record = e.getValue();
            snapshot.add(SessionEntries.entry(SessionEntries.STATE, lastSeq, e.getKey(), out -> out.write(record)));
        }
        synchronized (queues) {
            for (LinkedHashMap<Long, SessionViews.Live> queue : queues.values()) {
                for (SessionViews.Live live : queue.values()) {
                    snapshot.add(live.msg);
                    if (live.rel != null) {
                        snapshot.add(live.rel);
                    }
                }
            }
        }
        return snapshot;
    }

    double journalBytes() {
        return journal.size();
    }

    /** Waits for the queued changes, then marks the view current (clean, at the journal's position) and closes. */
    /** Whether the journal can be written, for health. */
    public WriteHealth health() {
        return health;
    }

    @Override
    public void close() throws IOException {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        try {
            writer.stop().forEach(c -> c.done().completeExceptionally(new IOException("session store closed")));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        view.close(lastSeq);
        journal.close();
        log.info("Persistent MQTT sessions {} closed at entry {}", dir, lastSeq);
    }
}
