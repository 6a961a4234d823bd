package io.tributary.edge.state;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.function.Function;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A MapDB 3.1 file used as a materialised view of a {@link Journal}: beside the caller's maps it holds the journal
 * {@code position} (sequence of the last entry applied) and a {@code clean} flag, set at a clean close and cleared
 * right after open. At start the view is trusted only when {@code clean} is set and its position is the journal's
 * last sequence; otherwise (a crash, a file MapDB cannot open) it is deleted and rebuilt by replaying the journal —
 * logged, and the reason returned for the caller to count, never a start-up failure.
 *
 * <p>Threads: {@link #open} and {@link #close} once each; the {@link DB} is MapDB's (thread-safe).
 */
public final class MapDbView {

    private static final Logger log = LoggerFactory.getLogger(MapDbView.class);

    /** The reasons {@link #open} may rebuild for, each a metric tag. */
    public static final java.util.List<String> REBUILD_REASONS =
            java.util.List.of("missing", "not_clean_shutdown", "behind_journal", "unreadable");

    private final DB db;
    private final String rebuilt;

    private MapDbView(DB db, String rebuilt) {
        this.db = db;
        this.rebuilt = rebuilt;
    }

    /**
     * Opens the view in {@code file} for a journal whose last sequence is {@code journalSeq}, rebuilding it when it
     * cannot be proven current by replaying {@code journal} into a new file ({@code replay} gives, for the new
     * database, what applies one entry). Marks it not clean.
     *
     * @param what how logs name the view, e.g. "Retained-message view"
     */
    public static MapDbView open(
            Path file, Path journal, long journalSeq, Function<DB, Consumer<ByteBuffer>> replay, String what)
            throws IOException {
        long started = System.nanoTime();
        DB db = null;
        String rebuild;
        boolean existed = Files.exists(file);
        try {
            db = openDb(file);
            rebuild = !existed ? (journalSeq > 0 ? "missing" : null) : staleReason(db, file, journalSeq, what);
        } catch (RuntimeException | Error e) { // MapDB reports a damaged file with assorted exceptions and errors
            rebuild = "unreadable";
            log.warn("{} {} cannot be opened: {}", what, file, e.toString());
        }
        if (rebuild != null) {
            if (db != null) {
                db.close();
            }
            Files.deleteIfExists(file);
            db = openDb(file);
            Journal.Opened replayed = Journal.open(journal, replay.apply(db));
            replayed.journal().close();
            log.warn(
                    "Rebuilt the {} {} from {} journal entries in {} ms ({})",
                    what.toLowerCase(java.util.Locale.ROOT),
                    file,
                    replayed.entries(),
                    (System.nanoTime() - started) / 1_000_000,
                    rebuild);
        }
        db.atomicBoolean("clean").createOrOpen().set(false); // the view may now run ahead of a clean state
        db.atomicLong("position").createOrOpen().set(journalSeq);
        db.commit();
        return new MapDbView(db, rebuild);
    }

    private static String staleReason(DB db, Path file, long journalSeq, String what) {
        if (!db.atomicBoolean("clean").createOrOpen().get()) {
            return "not_clean_shutdown";
        }
        long at = db.atomicLong("position").createOrOpen().get();
        if (at != journalSeq) {
            log.warn("{} {} is at entry {}, the journal at {}", what, file, at, journalSeq);
            return "behind_journal";
        }
        return null;
    }

    private static DB openDb(Path file) {
        return DBMaker.fileDB(file.toFile())
                .fileMmapEnableIfSupported()
                .fileMmapPreclearDisable()
                .cleanerHackEnable()
                .make();
    }

    public DB db() {
        return db;
    }

    /** Why the view was rebuilt at open ({@link #REBUILD_REASONS}), null when it was current. */
    public String rebuilt() {
        return rebuilt;
    }

    /** Records that the view holds every entry up to {@code seq} (not a clean state: see {@link #close}). */
    public void position(long seq) {
        db.atomicLong("position").createOrOpen().set(seq);
    }

    /** Marks the view current at {@code seq} and clean, and closes it. */
    public void close(long seq) {
        position(seq);
        db.atomicBoolean("clean").createOrOpen().set(true);
        db.commit();
        db.close();
    }
}
