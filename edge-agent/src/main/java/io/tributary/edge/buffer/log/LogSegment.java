package io.tributary.edge.buffer.log;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One file of the buffer log, {@code segment-<20-digit number>.log}: framed entries ({@link LogEntries}) back to back
 * from byte 0, the first a HEADER naming the segment's number.
 *
 * <p>Thread rules: the buffer's writer appends, forces, truncates and deletes; any thread may {@link #read}
 * (positional reads), but only of ranges the writer has already written and while the segment is open: the writer
 * closes a segment only when no live chunk is located in it.
 */
public final class LogSegment implements AutoCloseable {

    private static final Pattern NAME = Pattern.compile("segment-(\\d{20})\\.log");

    private final long number;
    private final Path file;
    private final FileChannel channel;
    private long size;
    private long liveChunks;
    private long liveBytes;

    private LogSegment(long number, Path file, FileChannel channel, long size) {
        this.number = number;
        this.file = file;
        this.channel = channel;
        this.size = size;
    }

    static String fileName(long number) {
        return String.format("segment-%020d.log", number);
    }

    /** The segment number in a file name, or empty when it is not a segment's name. */
    static Optional<Long> numberOf(Path file) {
        Matcher m = NAME.matcher(file.getFileName().toString());
        return m.matches() ? Optional.of(Long.parseLong(m.group(1))) : Optional.empty();
    }

    /** Opens an existing segment file for recovery and appending. */
    static LogSegment open(Path file, LogFiles files) throws IOException {
        long number = numberOf(file).orElseThrow(() -> new IllegalArgumentException("not a segment: " + file));
        FileChannel channel = files.open(file, Set.of(StandardOpenOption.READ, StandardOpenOption.WRITE));
        return new LogSegment(number, file, channel, channel.size());
    }

    /** Creates a new, empty segment file (failing if it exists). */
    static LogSegment create(Path dir, long number, LogFiles files) throws IOException {
        Path file = dir.resolve(fileName(number));
        FileChannel channel = files.open(
                file, Set.of(StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW));
        return new LogSegment(number, file, channel, 0);
    }

    public long number() {
        return number;
    }

    public Path file() {
        return file;
    }

    /** Bytes in the file. */
    public long size() {
        return size;
    }

    /** Appends the bytes at the end (not yet durable: see {@link #force()}); returns the offset they start at. */
    long append(ByteBuffer bytes) throws IOException {
        long at = size;
        while (bytes.hasRemaining()) {
            size += channel.write(bytes, size);
        }
        return at;
    }

    /** Makes every appended byte durable (fdatasync: the data and the file length). */
    void force() throws IOException {
        channel.force(false);
    }

    /** Reads {@code length} bytes at {@code offset}. */
    byte[] read(long offset, int length) throws IOException {
        byte[] out = new byte[length];
        ByteBuffer buffer = ByteBuffer.wrap(out);
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, offset + buffer.position());
            if (n < 0) {
                throw new EOFException(file + ": " + length + " bytes at " + offset + " run past the end");
            }
        }
        return out;
    }

    /** Reads into {@code buffer} at {@code offset} until it is full or the file ends; returns the bytes read. */
    int readFully(ByteBuffer buffer, long offset) throws IOException {
        int start = buffer.position();
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, offset + buffer.position() - start);
            if (n < 0) {
                break;
            }
        }
        return buffer.position() - start;
    }

    /** Recovery only: cuts the file at {@code newSize} (dropping a torn tail) and makes the cut durable. */
    void truncate(long newSize) throws IOException {
        channel.truncate(newSize);
        channel.force(true);
        size = newSize;
    }

    boolean isOpen() {
        return channel.isOpen();
    }

    /** Live chunks located in this segment; the writer deletes the segment when none is left. */
    public long liveChunks() {
        return liveChunks;
    }

    /** Bytes of the live chunk entries in this segment (what compaction would copy). */
    public long liveBytes() {
        return liveBytes;
    }

    void addLive(long bytes) {
        liveChunks++;
        liveBytes += bytes;
    }

    void removeLive(long bytes) {
        liveChunks--;
        liveBytes -= bytes;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    /** Closes and deletes the file. */
    void delete() throws IOException {
        close();
        Files.deleteIfExists(file);
    }

    /** True for the exception a reader gets when the writer closed the segment under it. */
    static boolean isClosedUnder(IOException e) {
        return e instanceof ClosedChannelException;
    }
}
