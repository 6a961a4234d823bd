package io.tributary.edge.buffer.log;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * The entries of the buffer log and their framing. Every entry is
 *
 * <pre>
 * int32  body length (big-endian)
 * int32  CRC32C of the body
 * body:  byte type, then the type's fields (integers big-endian; strings as uint16 length + UTF-8)
 * </pre>
 *
 * Types (an unknown type is corruption):
 *
 * <pre>
 * 1 HEADER    bytes "TRBUF" ; byte version 1 ; int64 segment number          — first entry of every segment
 * 2 SNAPSHOT  int32 n ; n × (string name, int64 value)        counters
 *             int32 n ; n × (string lane, int64 epoch, int64 sequence) released watermarks
 *             int32 n ; n × (string name, int64 epoch, int64 sequence) markers
 *             int32 n ; n × (int64 first chunk, int32 count)  ranges of live chunk numbers
 * 3 CHUNK     int64 chunk number ; int32 m ; m bytes chunk meta ; rest: the chunk (see ChunkCodec)
 * 4 REMOVE    int64 chunk number
 * 5 RELEASED  string lane ; int64 epoch ; int64 sequence
 * 6 MARKER    string name ; int64 epoch ; int64 sequence
 * 7 COUNTER   string name ; int64 value
 * 8 COMMIT    int64 commit number
 * </pre>
 *
 * The entries between two COMMITs form one transaction: recovery applies them only when the closing COMMIT is
 * intact. Not thread-safe: one {@link Builder} per writer.
 */
public final class LogEntries {

    public static final byte HEADER = 1;
    public static final byte SNAPSHOT = 2;
    public static final byte CHUNK = 3;
    public static final byte REMOVE = 4;
    public static final byte RELEASED = 5;
    public static final byte MARKER = 6;
    public static final byte COUNTER = 7;
    public static final byte COMMIT = 8;

    /** Length and CRC fields before each body. */
    public static final int FRAME = 8;

    /** No legitimate entry is longer: a larger length field is a torn or corrupt frame. */
    public static final int MAX_BODY = 64 * 1024 * 1024;

    static final byte[] MAGIC = "TRBUF".getBytes(StandardCharsets.US_ASCII);
    static final byte VERSION = 1;

    private LogEntries() {}

    /** Raised for a body that does not decode; recovery treats it like a checksum failure. */
    public static final class CorruptEntryException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public CorruptEntryException(String message) {
            super(message);
        }
    }

    static int crc(byte[] bytes, int offset, int length) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, offset, length);
        return (int) crc.getValue();
    }

    static String getString(ByteBuffer body) {
        int length = Short.toUnsignedInt(body.getShort());
        byte[] bytes = new byte[length];
        body.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** Runs a decoder over a body, turning a short or malformed body into {@link CorruptEntryException}. */
    static <T> T decode(ByteBuffer body, java.util.function.Function<ByteBuffer, T> decoder) {
        try {
            return decoder.apply(body);
        } catch (BufferUnderflowException | IllegalArgumentException e) {
            throw new CorruptEntryException("malformed log entry body: " + e);
        }
    }

    /**
     * Frames entries into one growable byte array, to be written with a single write. Positions it reports are
     * offsets into that array.
     */
    public static final class Builder {
        private byte[] bytes = new byte[64 * 1024];
        private int size;
        private int entryStart = -1;

        /** Starts an entry of the given type; finish it with {@link #end()}. */
        public Builder begin(byte type) {
            if (entryStart >= 0) {
                throw new IllegalStateException("entry not ended");
            }
            ensure(FRAME + 1);
            entryStart = size;
            size += FRAME;
            bytes[size++] = type;
            return this;
        }

        public Builder putLong(long v) {
            ensure(8);
            for (int shift = 56; shift >= 0; shift -= 8) {
                bytes[size++] = (byte) (v >>> shift);
            }
            return this;
        }

        public Builder putInt(int v) {
            ensure(4);
            bytes[size++] = (byte) (v >>> 24);
            bytes[size++] = (byte) (v >>> 16);
            bytes[size++] = (byte) (v >>> 8);
            bytes[size++] = (byte) v;
            return this;
        }

        public Builder putString(String s) {
            byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
            if (utf8.length > 0xFFFF) {
                throw new IllegalArgumentException("string longer than 65535 bytes in a log entry");
            }
            ensure(2 + utf8.length);
            bytes[size++] = (byte) (utf8.length >>> 8);
            bytes[size++] = (byte) utf8.length;
            System.arraycopy(utf8, 0, bytes, size, utf8.length);
            size += utf8.length;
            return this;
        }

        /** Appends raw bytes and returns the offset they start at. */
        public int putBytes(byte[] b) {
            ensure(b.length);
            int at = size;
            System.arraycopy(b, 0, bytes, size, b.length);
            size += b.length;
            return at;
        }

        /** Fills in the frame of the current entry. */
        public Builder end() {
            int bodyLength = size - entryStart - FRAME;
            if (bodyLength > MAX_BODY) {
                throw new IllegalArgumentException("log entry of " + bodyLength + " bytes exceeds " + MAX_BODY);
            }
            int crc = crc(bytes, entryStart + FRAME, bodyLength);
            ByteBuffer.wrap(bytes, entryStart, FRAME).putInt(bodyLength).putInt(crc);
            entryStart = -1;
            return this;
        }

        public int size() {
            return size;
        }

        public boolean isEmpty() {
            return size == 0;
        }

        /** The framed bytes so far, for writing; valid until the next change. */
        public ByteBuffer view() {
            if (entryStart >= 0) {
                throw new IllegalStateException("entry not ended");
            }
            return ByteBuffer.wrap(bytes, 0, size);
        }

        /** Forgets every entry; keeps the array (shrinking it after an unusually large transaction). */
        public void clear() {
            size = 0;
            entryStart = -1;
            if (bytes.length > 8 * 1024 * 1024) {
                bytes = new byte[64 * 1024];
            }
        }

        private void ensure(int more) {
            if (size + more > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
            }
        }
    }
}
