package io.tributary.edge.state;

import io.tributary.edge.buffer.log.LogFiles;
import io.tributary.protocol.fs.DurableDirs;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.function.Consumer;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An append-only file of CRC-checked entries, the framing of the buffer log ({@code edge/buffer/log}) without its
 * segments and transactions. On disk, each entry is
 *
 * <pre>
 * int32  body length (big-endian, 1 .. {@link #MAX_BODY})
 * int32  CRC32C of the body
 * body   (the caller's format)
 * </pre>
 *
 * {@link #open} reads every entry and cuts the file after the last intact one: a torn or corrupt tail (a crash during
 * a write that was never acknowledged, since {@link #sync} returned only after it) is dropped and logged.
 * {@link #rewrite} replaces the whole file atomically (write a temporary file, fsync, rename, fsync the directory),
 * which is how a journal is compacted.
 *
 * <p>Threads: not thread-safe; one writer thread owns an open journal.
 */
public final class Journal implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Journal.class);

    /** No legitimate entry is longer: a larger length field is a torn or corrupt frame. */
    public static final int MAX_BODY = 16 * 1024 * 1024;

    private static final int FRAME = 8;

    private final Path file;
    private final LogFiles files;
    private FileChannel channel;
    private long size;
    /** Size right after the last compaction; 0 before the first one since open. */
    private long snapshotBytes;

    private Journal(Path file, LogFiles files, FileChannel channel, long size) {
        this.file = file;
        this.files = files;
        this.channel = channel;
        this.size = size;
    }

    /** What {@link #open} found. */
    public record Opened(Journal journal, int entries, long droppedTailBytes) {}

    /**
     * Opens (or creates) {@code file}, handing every intact entry's body to {@code entry} in file order, and
     * truncates whatever follows the last intact entry.
     */
    public static Opened open(Path file, Consumer<ByteBuffer> entry) throws IOException {
        return open(file, entry, LogFiles.DEFAULT);
    }

    /** As {@link #open(Path, Consumer)}, with every file of the journal opened through {@code files}. */
    public static Opened open(Path file, Consumer<ByteBuffer> entry, LogFiles files) throws IOException {
        boolean created = !Files.exists(file);
        FileChannel channel =
                files.open(file, Set.of(StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE));
        try {
            if (created) {
                DurableDirs.sync(file.toAbsolutePath().getParent());
            }
            long length = channel.size();
            long position = 0;
            int entries = 0;
            ByteBuffer header = ByteBuffer.allocate(FRAME);
            while (position + FRAME <= length) {
                header.clear();
                readFully(channel, header, position);
                int bodyLength = header.getInt(0);
                int crc = header.getInt(4);
                if (bodyLength <= 0 || bodyLength > MAX_BODY || position + FRAME + bodyLength > length) {
                    break;
                }
                ByteBuffer body = ByteBuffer.allocate(bodyLength);
                readFully(channel, body, position + FRAME);
                if (crc(body.array(), bodyLength) != crc) {
                    break;
                }
                entry.accept(body.flip().asReadOnlyBuffer());
                position += FRAME + bodyLength;
                entries++;
            }
            if (position < length) {
                log.warn(
                        "Journal {}: dropped {} bytes after the last intact entry (at {}): a write torn by a crash",
                        file,
                        length - position,
                        position);
                channel.truncate(position);
                channel.force(true);
            }
            channel.position(position);
            return new Opened(new Journal(file, files, channel, position), entries, length - position);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** Appends one entry (not yet durable: call {@link #sync}). */
    public void append(byte[] body) throws IOException {
        write(channel, body);
        size += FRAME + body.length;
    }

    /**
     * Cuts the file back to {@code size} bytes (a {@link #size()} taken earlier): after a failed append, so that
     * the next entries do not follow a torn one (recovery stops at the first bad frame).
     */
    public void truncate(long size) throws IOException {
        channel.truncate(size);
        channel.position(size);
        this.size = size;
    }

    /**
     * Appends {@code bodies} and forces them to the disk: the group commit. On failure the file is cut back to where
     * it was (so that later entries do not follow a torn one) and the error rethrown.
     */
    public void appendAndSync(java.util.List<byte[]> bodies) throws IOException {
        long before = size;
        try {
            for (byte[] body : bodies) {
                append(body);
            }
            sync();
        } catch (IOException | RuntimeException e) {
            try {
                truncate(before);
            } catch (IOException again) {
                e.addSuppressed(again);
                log.error("Journal {}: cannot cut back to {} bytes after a failed write", file, before, again);
            }
            throw e;
        }
    }

    /** Forces what was appended to the disk. */
    public void sync() throws IOException {
        channel.force(false);
    }

    /**
     * Compacts: when the file is past {@code thresholdBytes} and twice its size after the last compaction (since
     * open), replaces it by what {@code snapshot} gives ({@link #rewrite}), logged with {@code what} (e.g. "3 sessions").
     *
     * @return true when it compacted; a failed rewrite is logged (the journal keeps growing) and returns false
     */
    public boolean compactIfPast(
            long thresholdBytes,
            java.util.function.Supplier<? extends Iterable<byte[]>> snapshot,
            java.util.function.Supplier<String> what) {
        if (size <= thresholdBytes || size <= 2 * snapshotBytes) {
            return false;
        }
        long started = System.nanoTime();
        long from = size;
        try {
            rewrite(snapshot.get());
            snapshotBytes = size;
            log.info(
                    "Compacted journal {}: {} -> {} bytes, {}, {} ms",
                    file,
                    from,
                    size,
                    what.get(),
                    (System.nanoTime() - started) / 1_000_000);
            return true;
        } catch (IOException e) {
            log.error("Cannot compact journal {} (it keeps growing)", file, e);
            return false;
        }
    }

    /** Bytes in the file. */
    public long size() {
        return size;
    }

    /**
     * Replaces the journal's content by {@code bodies}, atomically: after a crash the file holds either the old
     * entries or the new ones.
     */
    public void rewrite(Iterable<byte[]> bodies) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        long written = 0;
        try (FileChannel out = files.open(
                tmp,
                Set.of(StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE))) {
            for (byte[] body : bodies) {
                write(out, body);
                written += FRAME + body.length;
            }
            out.force(true);
        }
        channel.close();
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        DurableDirs.sync(file.toAbsolutePath().getParent());
        channel = files.open(file, Set.of(StandardOpenOption.READ, StandardOpenOption.WRITE));
        channel.position(written);
        size = written;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    private static void write(FileChannel out, byte[] body) throws IOException {
        if (body.length == 0 || body.length > MAX_BODY) {
            throw new IllegalArgumentException("journal entry of " + body.length + " bytes");
        }
        ByteBuffer frame = ByteBuffer.allocate(FRAME + body.length);
        frame.putInt(body.length).putInt(crc(body, body.length)).put(body).flip();
        while (frame.hasRemaining()) {
            out.write(frame);
        }
    }

    private static void readFully(FileChannel channel, ByteBuffer into, long position) throws IOException {
        while (into.hasRemaining()) {
            if (channel.read(into, position + into.position()) < 0) {
                throw new IOException("unexpected end of journal");
            }
        }
    }

    private static int crc(byte[] bytes, int length) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, length);
        return (int) crc.getValue();
    }
}
