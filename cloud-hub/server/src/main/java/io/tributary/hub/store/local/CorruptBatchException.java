package io.tributary.hub.store.local;

/** A batch header or payload failed validation; recovery truncates there, reads take the shard offline. */
final class CorruptBatchException extends Exception {
    CorruptBatchException(String message) {
        super(message);
    }
}
