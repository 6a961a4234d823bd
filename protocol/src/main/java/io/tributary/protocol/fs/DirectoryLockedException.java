package io.tributary.protocol.fs;

/** A data directory that another process (or another owner in this one) holds; the message names the holder. */
public final class DirectoryLockedException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public DirectoryLockedException(String message) {
        super(message);
    }
}
