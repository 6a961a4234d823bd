package io.tributary.hub.stream;

/**
 * A stream operation that was refused or failed, with a machine-readable {@link Reason} the admin handler can map to
 * a response and a message meant for an operator.
 */
public final class StreamException extends RuntimeException {

    /** Why an operation failed. */
    public enum Reason {
        /** The stream or shard does not exist. */
        NOT_FOUND,
        /** A stream of that name already exists. */
        ALREADY_EXISTS,
        /** An argument is malformed or out of range (name, shard count, split hash, key mode...). */
        INVALID,
        /** The shard is closed: it was split or merged already and takes no more changes. */
        SHARD_CLOSED,
        /** The two shards of a merge do not share a range boundary. */
        NOT_ADJACENT,
        /** The operation would exceed the maximum number of open shards. */
        LIMIT_EXCEEDED,
        /** A stream metadata file on disk is truncated or does not decode. */
        CORRUPT,
        /** Reading or writing stream metadata failed with an I/O error. */
        STORAGE
    }

    private final Reason reason;

    public StreamException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public StreamException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }

    @Override
    public String getMessage() {
        return reason + ": " + super.getMessage();
    }
}
