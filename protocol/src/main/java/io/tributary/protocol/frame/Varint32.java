package io.tributary.protocol.frame;

import io.netty.buffer.ByteBuf;

/** The protobuf base-128 varint used as the frame length prefix (at most 5 bytes, unsigned 32-bit). */
final class Varint32 {
    /** Returned by {@link #read} when more bytes are needed. */
    static final long INCOMPLETE = -1;
    /** Returned by {@link #read} when the prefix is not a valid 32-bit varint. */
    static final long MALFORMED = -2;

    private Varint32() {}

    /**
     * Reads a varint at the reader index. On success the reader index moves past it and the value is returned;
     * otherwise the reader index is left unchanged.
     */
    static long read(ByteBuf in) {
        int start = in.readerIndex();
        int available = in.readableBytes();
        long value = 0;
        for (int i = 0; i < 5; i++) {
            if (i >= available) {
                return INCOMPLETE;
            }
            int b = in.getByte(start + i);
            value |= (long) (b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0) {
                if (i == 4 && (b & 0x70) != 0) {
                    return MALFORMED; // more than 32 bits
                }
                if (i > 0 && b == 0) {
                    return MALFORMED; // over-long encoding: a trailing zero group
                }
                in.readerIndex(start + i + 1);
                return value;
            }
        }
        return MALFORMED;
    }

    static int size(int value) {
        if ((value & (~0 << 7)) == 0) return 1;
        if ((value & (~0 << 14)) == 0) return 2;
        if ((value & (~0 << 21)) == 0) return 3;
        if ((value & (~0 << 28)) == 0) return 4;
        return 5;
    }

    static void write(ByteBuf out, int value) {
        while ((value & ~0x7F) != 0) {
            out.writeByte((value & 0x7F) | 0x80);
            value >>>= 7;
        }
        out.writeByte(value);
    }
}
