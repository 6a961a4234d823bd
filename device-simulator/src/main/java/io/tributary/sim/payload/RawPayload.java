package io.tributary.sim.payload;

import java.nio.ByteBuffer;

/**
 * The raw payload: a {@value #HEADER_BYTES}-byte big-endian header, then filler up to the requested size.
 *
 * <pre>
 * offset size field
 *  0     4    magic 0x54524231 ("TRB1")
 *  4     4    device index (the device id is "d-" + index)
 *  8     8    per-device sequence
 * 16     8    send time, epoch microseconds
 * 24     n    filler: (seq + i) &amp; 0xff, so a corrupted tail is visible in a dump
 * </pre>
 *
 * Stateless and thread-safe.
 */
final class RawPayload {

    static final int MAGIC = 0x54524231;
    static final int HEADER_BYTES = 24;

    private RawPayload() {}

    static byte[] encode(int deviceIndex, MessageIdentity id, int size) {
        byte[] out = new byte[Math.max(size, HEADER_BYTES)];
        ByteBuffer.wrap(out).putInt(MAGIC).putInt(deviceIndex).putLong(id.seq()).putLong(id.sendTimeMicros());
        for (int i = HEADER_BYTES; i < out.length; i++) {
            out[i] = (byte) (id.seq() + i);
        }
        return out;
    }

    static boolean hasMagic(byte[] bytes) {
        return bytes.length >= 4 && ByteBuffer.wrap(bytes).getInt(0) == MAGIC;
    }

    static ParseResult parse(byte[] bytes) {
        if (bytes.length < HEADER_BYTES) {
            return ParseResult.failure(
                    "raw payload shorter than its " + HEADER_BYTES + "-byte header: " + bytes.length);
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        if (buf.getInt() != MAGIC) {
            return ParseResult.failure("raw payload without magic TRB1");
        }
        int index = buf.getInt();
        long seq = buf.getLong();
        long sendMicros = buf.getLong();
        if (index < 0 || seq < 0 || sendMicros < 0) {
            return ParseResult.failure("raw payload header has a negative field");
        }
        return ParseResult.ok(new MessageIdentity(MessageIdentity.deviceId(index), seq, sendMicros));
    }
}
