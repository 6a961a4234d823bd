package io.tributary.edge.state;

import io.tributary.edge.buffer.log.LogFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.mapdb.DB;
import org.mapdb.HTreeMap;
import org.mapdb.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A string-keyed map of byte values that survives SIGKILL and lives off the Java heap: a {@link Journal} is the
 * source of truth and a MapDB 3.1 file its materialised view (MapDB alone does not survive a kill, see
 * docs/architecture.md). Files in {@code dir}, for a map called {@code name}:
 *
 * <ul>
 *   <li>{@code name.journal}: entries {@code [type: 1 byte][seq: int64][key length: uint16][key: UTF-8][value]},
 *       type 1 SET, 2 DELETE (no value), 3 POSITION (empty key, no value: the seq the entries after it continue
 *       from, the first entry after a compaction). {@link #putAll} appends and fsyncs before it returns; when the
 *       journal passes the compaction size (and twice its last snapshot) it is rewritten atomically as POSITION plus
 *       one SET per live key.
 *   <li>{@code name.mapdb}: the view (key → value, the {@code position} applied, a {@code clean} flag set at close
 *       and cleared at open). It is used at start only if it is clean and at the journal's last seq; otherwise it is
 *       deleted and rebuilt from the journal, reported to {@code onRebuild} with the reason and logged — never a
 *       start-up failure.
 * </ul>
 *
 * <p>Threads: one writer thread calls {@link #putAll} and {@link #close}; {@link #get}, {@link #keys} and {@link #size}
 * may be called from any thread (they read the view, which a write updates after its fsync).
 */
public final class JournaledMap implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(JournaledMap.class);

    private static final byte SET = 1;
    private static final byte DELETE = 2;
    private static final byte POSITION = 3;

    private final String name;
    private final Journal journal;
    private final MapDbView db;
    private final HTreeMap<String, byte[]> view;
    private final long compactBytes;
    private long lastSeq;
    private long snapshotBytes;
    private boolean closed;

    private JournaledMap(String name, Journal journal, MapDbView db, long lastSeq, long compactBytes) {
        this.name = name;
        this.journal = journal;
        this.db = db;
        this.view = map(db.db());
        this.lastSeq = lastSeq;
        this.compactBytes = compactBytes;
    }

    /**
     * Opens (or creates) the map {@code name} in {@code dir}, rebuilding its view from the journal when it cannot be
     * proven current.
     *
     * @param compactBytes journal size above which it is compacted
     * @param onRebuild told the reason ({@code missing}, {@code not_clean_shutdown}, {@code behind_journal},
     *     {@code unreadable}) each time the view is rebuilt
     */
    public static JournaledMap open(Path dir, String name, long compactBytes, Consumer<String> onRebuild)
            throws IOException {
        return open(dir, name, compactBytes, onRebuild, LogFiles.DEFAULT);
    }

    /** As above, with the journal's files opened through {@code files}. */
    public static JournaledMap open(
            Path dir, String name, long compactBytes, Consumer<String> onRebuild, LogFiles files) throws IOException {
        Files.createDirectories(dir);
        Path journalFile = dir.resolve(name + ".journal");
        long[] last = {0};
        Journal.Opened opened = Journal.open(journalFile, body -> last[0] = seqOf(body), files);
        MapDbView view;
        try {
            view = MapDbView.open(
                    dir.resolve(name + ".mapdb"),
                    journalFile,
                    last[0],
                    db -> {
                        HTreeMap<String, byte[]> map = map(db);
                        return body -> apply(map, body);
                    },
                    "View of " + name);
        } catch (IOException | RuntimeException e) {
            opened.journal().close();
            throw e;
        }
        if (view.rebuilt() != null) {
            onRebuild.accept(view.rebuilt());
        }
        return new JournaledMap(name, opened.journal(), view, last[0], compactBytes);
    }

    @SuppressWarnings("unchecked")
    private static HTreeMap<String, byte[]> map(DB db) {
        return (HTreeMap<String, byte[]>)
                db.hashMap("entries", Serializer.STRING, Serializer.BYTE_ARRAY).createOrOpen();
    }

    /**
     * Sets each key to its value ({@code null}: removes it), durably: the changes are journaled and fsync'd, then
     * applied to the view. On an I/O error nothing is applied and the journal is cut back, then the error is thrown.
     */
    public void putAll(Map<String, byte[]> changes) throws IOException {
        if (closed) {
            throw new IOException(name + " is closed");
        }
        if (changes.isEmpty()) {
            return;
        }
        long before = journal.size();
        long seq = lastSeq;
        List<byte[]> bodies = new ArrayList<>(changes.size());
        try {
            for (Map.Entry<String, byte[]> e : changes.entrySet()) {
                byte[] body = entry(e.getValue() == null ? DELETE : SET, ++seq, e.getKey(), e.getValue());
                journal.append(body);
                bodies.add(body);
            }
            journal.sync();
        } catch (IOException | RuntimeException e) {
            try {
                journal.truncate(before);
            } catch (IOException again) {
                e.addSuppressed(again);
            }
            throw e;
        }
        lastSeq = seq;
        for (byte[] body : bodies) {
            apply(view, ByteBuffer.wrap(body));
        }
        db.position(seq);
        if (journal.size() > compactBytes && journal.size() > 2 * snapshotBytes) {
            compact();
        }
    }

    /** The value of {@code key}, or null. */
    public byte[] get(String key) {
        return view.get(key);
    }

    /** The keys (a live view of the map; iterate, do not keep). */
    public Set<String> keys() {
        return view.keySet();
    }

    public int size() {
        return view.size();
    }

    public long journalBytes() {
        return journal.size();
    }

    private void compact() {
        long from = journal.size();
        Iterable<byte[]> snapshot = () -> new Iterator<>() {
            private final Iterator<Map.Entry<String, byte[]>> entries =
                    view.getEntries().iterator();
            private boolean first = true;

            @Override
            public boolean hasNext() {
                return first || entries.hasNext();
            }

            @Override
            public byte[] next() {
                if (first) {
                    first = false;
                    return entry(POSITION, lastSeq, "", null);
                }
                Map.Entry<String, byte[]> e = entries.next();
                return entry(SET, lastSeq, e.getKey(), e.getValue());
            }
        };
        try {
            journal.rewrite(snapshot);
            snapshotBytes = journal.size();
            log.info("Compacted {}: {} -> {} bytes, {} keys", name, from, journal.size(), view.size());
        } catch (IOException e) {
            log.error("Cannot compact {} (its journal keeps growing)", name, e);
        }
    }

    /** Marks the view current (clean, at the journal's position) and closes both files. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        db.close(lastSeq);
        journal.close();
    }

    private static byte[] entry(byte type, long seq, String key, byte[] value) {
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        if (k.length > 0xFFFF) {
            throw new IllegalArgumentException("key of " + k.length + " bytes");
        }
        int valueLength = value == null ? 0 : value.length;
        ByteBuffer b = ByteBuffer.allocate(1 + 8 + 2 + k.length + valueLength);
        b.put(type).putLong(seq).putShort((short) k.length).put(k);
        if (value != null) {
            b.put(value);
        }
        return b.array();
    }

    private static long seqOf(ByteBuffer body) {
        return body.getLong(body.position() + 1);
    }

    /** Applies one journal entry to the view. */
    private static void apply(HTreeMap<String, byte[]> map, ByteBuffer body) {
        ByteBuffer b = body.duplicate();
        byte type = b.get();
        b.getLong();
        byte[] k = new byte[b.getShort() & 0xFFFF];
        b.get(k);
        String key = new String(k, StandardCharsets.UTF_8);
        if (type == SET) {
            byte[] value = new byte[b.remaining()];
            b.get(value);
            map.put(key, value);
        } else if (type == DELETE) {
            map.remove(key);
        }
    }
}
