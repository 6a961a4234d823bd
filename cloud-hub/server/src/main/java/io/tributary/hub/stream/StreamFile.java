package io.tributary.hub.stream;

import io.tributary.hub.store.local.FileChannelFactory;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Set;

/**
 * The metadata file of one stream, {@code <dataDir>/streams/<name>.stream}, and how it is written and read. Its bytes
 * are {@link StreamCodec}'s (magic {@code TRST}, version, length, CRC32C, protobuf payload).
 *
 * <p>Writes are atomic: temp file {@code <name>.stream.tmp}, {@code force(true)}, atomic rename, directory fsync. A
 * reader sees the old or the new file, never a mix; a leftover {@code .tmp} is an uncommitted write. Stateless;
 * callers serialize writes to one stream.
 */
final class StreamFile {

    static final String SUFFIX = ".stream";
    static final String TEMP_SUFFIX = ".tmp";

    private StreamFile() {}

    static Path pathOf(Path dir, String streamName) {
        return dir.resolve(streamName + SUFFIX);
    }

    static void write(Path dir, StreamDefinition stream, FileChannelFactory files) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(StreamCodec.encode(stream));
        Path target = pathOf(dir, stream.name());
        Path temp = target.resolveSibling(target.getFileName() + TEMP_SUFFIX);
        try (FileChannel ch = files.open(
                temp,
                Set.of(StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE))) {
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        }
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        fsyncDirectory(dir);
    }

    static void delete(Path dir, String streamName) throws IOException {
        Files.deleteIfExists(pathOf(dir, streamName));
        fsyncDirectory(dir);
    }

    /**
     * Reads and checks one file.
     *
     * @throws StreamException {@link StreamException.Reason#CORRUPT} naming the file and what is wrong with it
     */
    static StreamDefinition read(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        String fileName = file.getFileName().toString();
        String expectedName = fileName.substring(0, fileName.length() - SUFFIX.length());
        String source = "stream file " + file;
        StreamDefinition stream = StreamCodec.decode(bytes, source);
        if (!stream.name().equals(expectedName)) {
            throw StreamCodec.corrupt(source, "holds stream '" + stream.name() + "'", null);
        }
        return stream;
    }

    static void fsyncDirectory(Path dir) throws IOException {
        // Makes the rename or unlink itself durable (POSIX: the directory entry lives in the directory's data).
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}
