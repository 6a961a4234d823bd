package io.tributary.edge.state;

import java.nio.file.Path;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A MapDB 3.1 file used as the materialised view of a {@link Journal}: opened memory-mapped, with two records beside
 * the maps — {@code position} (the journal seq last applied) and {@code clean} (set by a clean close, cleared right
 * after each open). A view is trusted at start only when it is clean and at the journal's last seq. Stateless.
 */
public final class MapDbView {
    private static final Logger log = LoggerFactory.getLogger(MapDbView.class);

    private MapDbView() {}

    /** Opens (or creates) {@code file}; MapDB reports a damaged file with assorted exceptions and errors. */
    public static DB open(Path file) {
        return DBMaker.fileDB(file.toFile())
                .fileMmapEnableIfSupported()
                .fileMmapPreclearDisable()
                .cleanerHackEnable()
                .make();
    }

    /**
     * Null when {@code db} is provably current — closed cleanly at {@code journalSeq} — else why not: {@code
     * not_clean_shutdown} or {@code behind_journal}.
     */
    public static String staleReason(DB db, Path file, long journalSeq) {
        if (!db.atomicBoolean("clean").createOrOpen().get()) {
            return "not_clean_shutdown";
        }
        long at = db.atomicLong("position").createOrOpen().get();
        if (at != journalSeq) {
            log.warn("View {} is at change {}, its journal at {}", file, at, journalSeq);
            return "behind_journal";
        }
        return null;
    }
}
