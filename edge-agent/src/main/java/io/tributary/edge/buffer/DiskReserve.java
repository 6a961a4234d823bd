package io.tributary.edge.buffer;

import io.tributary.edge.buffer.log.LogFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;

/**
 * A file of zeros, {@code disk.reserve} in the buffer directory, that holds space for the day the file system fills
 * up. A full disk leaves no room even to record that records were delivered, so nothing could ever be freed; deleting
 * the reserve gives the buffer room to reopen its log and commit releases, which delete whole segments. The reserve is
 * written back (only when as much space again stays free) before the buffer accepts records again, so a disk that
 * is still nearly full does not make it flap. Its content means nothing: after a crash it is simply written again.
 *
 * <p>Thread rules: the buffer's writer thread only.
 */
final class DiskReserve {

    static final String FILE_NAME = "disk.reserve";
    private static final int BLOCK = 64 * 1024;

    private final Path file;
    private final long bytes;
    private final LogFiles files;

    DiskReserve(Path directory, long bytes, LogFiles files) {
        this.file = directory.resolve(FILE_NAME);
        this.bytes = bytes;
        this.files = files;
    }

    long bytes() {
        return bytes;
    }

    /** Deletes the reserve; returns the bytes it freed (0 when there was none). */
    long release() throws IOException {
        if (bytes == 0 || !Files.exists(file)) {
            return 0;
        }
        long size = Files.size(file);
        Files.delete(file);
        return size;
    }

    /**
     * Makes sure the reserve is in place: true when it is whole (or none is configured). Writes it when missing, but
     * only when the file system has room for it and as much again, so that appending can go on afterwards; false
     * when it has not (nothing is written then). I/O errors propagate (the caller stays offline).
     */
    boolean restore() throws IOException {
        if (bytes == 0) {
            return true;
        }
        if (Files.exists(file) && Files.size(file) == bytes) {
            return true;
        }
        if (freeBytes() < 2 * bytes) {
            return false;
        }
        ByteBuffer zeros = ByteBuffer.allocate(BLOCK);
        try (FileChannel ch = files.open(
                file,
                Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING))) {
            for (long written = 0; written < bytes; ) {
                zeros.clear().limit((int) Math.min(BLOCK, bytes - written));
                written += ch.write(zeros, written);
            }
            ch.force(true); // the blocks must really be taken, not just promised by the page cache
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(file); // a part of a reserve only hides space
            throw e;
        }
        return true;
    }

    /** Usable bytes on the file system of the buffer directory. */
    long freeBytes() throws IOException {
        return Files.getFileStore(file.getParent()).getUsableSpace();
    }
}
