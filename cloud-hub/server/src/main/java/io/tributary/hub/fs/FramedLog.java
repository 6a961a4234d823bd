package io.tributary.hub.fs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.function.Predicate;
import java.util.zip.CRC32C;

/**
 * The small append-only logs of the hub's metadata (epoch grants, consumer-group checkpoints): a header, then
 * CRC32C-framed entries. Recovery keeps the entries up to the first torn or corrupt one and cuts the rest; a log is
 * compacted by writing a new one beside it and renaming it into place.
 *
 * <pre>
 *   file  = magic int32 ; version int32 ; entry*
 *   entry = int32 bodyLength ; int32 crc32c(body) ; body
 * </pre>
 *
 * Thread rules: static and stateless; callers serialise access to one file.
 */
public final class FramedLog {
    public static final int HEADER_BYTES = 8;
    public static final int FRAME_BYTES = 8;

    private FramedLog() {}

    /**
     * What {@link #scan} found.
     *
     * @param valid bytes up to the end of the last good entry; the log is cut here
     * @param size bytes in the file
     */
    public record Scan(long valid, long size) {
        /** Bytes after the last good entry: a torn tail, or damage. */
        public long cut() {
            return size - valid;
        }
    }

    /** Frames an entry: length, CRC32C, body. */
    public static ByteBuffer frame(ByteBuffer body) {
        CRC32C crc = new CRC32C();
        crc.update(body.duplicate());
        ByteBuffer out = ByteBuffer.allocate(FRAME_BYTES + body.remaining());
        out.putInt(body.remaining())
                .putInt((int) crc.getValue())
                .put(body.duplicate())
                .flip();
        return out;
    }

    /**
     * Reads {@code file} (creating it empty when missing or shorter than a header), handing each entry whose length is
     * within {@code [minBody, maxBody]} and whose CRC matches to {@code reader}, until an entry fails those checks or
     * the reader refuses it (returns false).
     *
     * @throws IOException when the header is not {@code magic} and {@code version}
     */
    public static Scan scan(Path file, int magic, int version, int minBody, int maxBody, Predicate<ByteBuffer> reader)
            throws IOException {
        if (!Files.exists(file) || Files.size(file) < HEADER_BYTES) {
            rewrite(file, magic, version, List.of());
        }
        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        if (in.getInt() != magic || in.getInt() != version) {
            throw new IOException(file + " has the wrong magic or version for this log");
        }
        long valid = in.position();
        while (in.remaining() >= FRAME_BYTES) {
            int length = in.getInt();
            int crc = in.getInt();
            if (length < minBody || length > maxBody || length > in.remaining()) {
                break;
            }
            ByteBuffer body = in.slice(in.position(), length);
            CRC32C check = new CRC32C();
            check.update(body.duplicate());
            if ((int) check.getValue() != crc || !reader.test(body)) {
                break;
            }
            in.position(in.position() + length);
            valid = in.position();
        }
        return new Scan(valid, bytes.length);
    }

    /** Opens {@code file} for appending after its first {@code valid} bytes, cutting (durably) what follows. */
    public static FileChannel openForAppend(Path file, long valid) throws IOException {
        return appendAfter(FileChannel.open(file, StandardOpenOption.WRITE), valid);
    }

    /** As {@link #openForAppend(Path, long)}, on a channel opened for writing (closed when this fails). */
    public static FileChannel appendAfter(FileChannel channel, long valid) throws IOException {
        try {
            if (channel.size() != valid) {
                channel.truncate(valid);
                channel.force(true);
            }
            channel.position(valid);
            return channel;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /**
     * Replaces {@code file} with a log of {@code entries} (framed already): a temp file beside it, fsync, atomic
     * rename, directory fsync. A crash leaves the old file or the new one. Returns the new file's size.
     */
    public static long rewrite(Path file, int magic, int version, Iterable<ByteBuffer> entries) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        long written = HEADER_BYTES;
        try (FileChannel out = FileChannel.open(
                tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            writeFully(
                    out,
                    ByteBuffer.allocate(HEADER_BYTES)
                            .putInt(magic)
                            .putInt(version)
                            .flip());
            for (ByteBuffer e : entries) {
                written += e.remaining();
                writeFully(out, e.duplicate());
            }
            out.force(true);
        }
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
        fsyncDirectory(file.getParent());
        return written;
    }

    public static void writeFully(FileChannel channel, ByteBuffer bytes) throws IOException {
        while (bytes.hasRemaining()) {
            channel.write(bytes);
        }
    }

    /** Makes a rename or unlink in {@code dir} durable (POSIX: the directory entry lives in the directory's data). */
    public static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }
}
