package io.tributary.edge.buffer;

/**
 * Whether the buffer accepts records, for health and operators.
 *
 * @param fault why it refuses new records, or null when it accepts them
 * @param draining while refusing: true when its log is open, so it still forwards and releases what it holds; false
 *     when even reopening the log failed (nothing is read until a retry succeeds)
 * @param cause the error that took it offline (or the last one of its retries), empty when accepting
 * @param sinceMs wall-clock time it went offline, 0 when accepting
 */
public record BufferStatus(StorageFault fault, boolean draining, String cause, long sinceMs) {

    /** Accepting records: no fault. */
    public static final BufferStatus ACCEPTING = new BufferStatus(null, true, "", 0);

    public boolean accepting() {
        return fault == null;
    }

    /** {@code online}, or the fault's tag ({@code disk_full}, {@code io_error}). */
    public String state() {
        return fault == null ? "online" : fault.tag();
    }
}
