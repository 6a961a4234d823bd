package io.tributary.protocol.fs;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Directories whose existence must survive a power cut. On Linux, fsyncing a file makes its data durable, not its
 * name: a directory created (or an entry created, renamed or deleted in it) is durable only once its parent (or it) is
 * fsync'd too. Stateless.
 */
public final class DurableDirs {
    private DurableDirs() {}

    /**
     * Creates {@code dir} and any missing parents, then fsyncs the parent of each directory it created, so that the
     * whole path survives a power cut before anything written in it is acknowledged. Does nothing to existing ones.
     *
     * @throws IOException when a directory cannot be created or a parent cannot be fsync'd
     */
    public static void create(Path dir) throws IOException {
        Path abs = dir.toAbsolutePath().normalize();
        Deque<Path> missing = new ArrayDeque<>();
        for (Path p = abs; p != null && !Files.isDirectory(p); p = p.getParent()) {
            missing.push(p);
        }
        if (missing.isEmpty()) {
            return;
        }
        Files.createDirectories(abs);
        for (Path created : missing) {
            sync(created.getParent());
        }
    }

    /** Fsyncs a directory, making the creation, renaming and deletion of its entries durable. */
    public static void sync(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}
