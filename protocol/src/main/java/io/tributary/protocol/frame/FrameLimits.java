package io.tributary.protocol.frame;

/**
 * Limits a frame codec enforces.
 *
 * @param maxFrameBytes largest frame body accepted, checked against the length prefix before any body is buffered
 */
public record FrameLimits(int maxFrameBytes) {
    /** 8 MiB: a full batch of 100-byte records (tens of thousands) fits with room to spare. */
    public static final int DEFAULT_MAX_FRAME_BYTES = 8 * 1024 * 1024;

    /** Hard ceiling: a varint32 prefix could express more, but nothing legitimate needs it. */
    public static final int ABSOLUTE_MAX_FRAME_BYTES = 256 * 1024 * 1024;

    public FrameLimits {
        if (maxFrameBytes < 64 || maxFrameBytes > ABSOLUTE_MAX_FRAME_BYTES) {
            throw new IllegalArgumentException(
                    "maxFrameBytes must be between 64 and " + ABSOLUTE_MAX_FRAME_BYTES + ", got " + maxFrameBytes);
        }
    }

    public static FrameLimits defaults() {
        return new FrameLimits(DEFAULT_MAX_FRAME_BYTES);
    }
}
