package io.tributary.hub.subscribe;

/**
 * Bounds of one read: what a request asks for, clamped so that a {@code ReadResult} stays well inside a frame.
 *
 * @param maxRecords records per read
 * @param maxBytes payload bytes per read (one batch larger than this is still returned whole)
 */
public record ReadLimits(int maxRecords, int maxBytes) {
    public static final int DEFAULT_RECORDS = 1_000;
    public static final int MAX_RECORDS = 10_000;
    public static final int DEFAULT_BYTES = 1 << 20;

    /** Clamps a request (0 means the default) to the hub's frame size. */
    public static ReadLimits of(long records, long bytes, int maxFrameBytes) {
        int byteCap = Math.max(1024, maxFrameBytes - 64 * 1024);
        int r = records <= 0 ? DEFAULT_RECORDS : (int) Math.min(records, MAX_RECORDS);
        int b = bytes <= 0 ? Math.min(DEFAULT_BYTES, byteCap) : (int) Math.min(bytes, byteCap);
        return new ReadLimits(r, b);
    }
}
