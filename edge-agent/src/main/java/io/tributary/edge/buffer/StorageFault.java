package io.tributary.edge.buffer;

import java.util.Locale;

/**
 * Why the buffer's storage refuses new records. Both are recovered from without a restart (see {@link StorageHealth});
 * they differ in what frees them: space, or a log that opens and reads back whole.
 */
public enum StorageFault {
    /** The file system is full (ENOSPC, or EDQUOT: a user's disk quota): refuse until space returns. */
    DISK_FULL("disk_full", AppendOutcome.DISK_FULL),
    /** Any other I/O error writing or syncing the log (EIO and the like): refuse until the log reopens. */
    IO_ERROR("io_error", AppendOutcome.IO_ERROR);

    private final String tag;
    private final AppendOutcome outcome;

    StorageFault(String tag, AppendOutcome outcome) {
        this.tag = tag;
        this.outcome = outcome;
    }

    /** The metric tag and health word: {@code disk_full} or {@code io_error}. */
    public String tag() {
        return tag;
    }

    /** What an append refused for this fault completes with. */
    AppendOutcome outcome() {
        return outcome;
    }

    /**
     * Classifies a failure by the errno text the JDK puts in its exceptions (Java has no ENOSPC exception type):
     * "No space left on device" (ENOSPC) or "Disk quota exceeded" (EDQUOT) anywhere in the cause chain is a full
     * disk, anything else an I/O error.
     */
    static StorageFault of(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String m = t.getMessage() == null ? "" : t.getMessage().toLowerCase(Locale.ROOT);
            if (m.contains("no space left on device") || m.contains("disk quota exceeded")) {
                return DISK_FULL;
            }
        }
        return IO_ERROR;
    }
}
