package io.tributary.protocol.fs;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * Exclusive use of a data directory by one process: an OS lock ({@link FileChannel#tryLock}) on a lock file in it,
 * held until {@link #close}, with the holder's pid, host and start time written into the file so that a second process
 * can say who holds it. The OS releases the lock when the holder dies, so a crash never leaves the directory locked
 * (the stale text in the file is only read while someone holds the lock).
 *
 * <p>Thread rules: {@link #close} once, from any thread.
 */
public final class DirectoryLock implements AutoCloseable {
    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;

    private DirectoryLock(Path file, FileChannel channel, FileLock lock) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Locks {@code dir} (creating it) through the file {@code fileName} in it.
     *
     * @param what names the directory in the error, e.g. "hub data dir"
     * @throws DirectoryLockedException when another process, or another owner in this one, holds the lock
     */
    public static DirectoryLock acquire(Path dir, String fileName, String what) throws IOException {
        DurableDirs.create(dir);
        Path file = dir.resolve(fileName);
        // No TRUNCATE_EXISTING: until the lock is ours, the file holds the holder's description.
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        if (lock == null) {
            channel.close();
            throw new DirectoryLockedException(what + " " + dir + " is already open by another process: " + fileName
                    + " is locked by " + holder(file));
        }
        try {
            byte[] me = describeThisProcess().getBytes(StandardCharsets.UTF_8);
            channel.truncate(0);
            ByteBuffer buf = ByteBuffer.wrap(me);
            while (buf.hasRemaining()) {
                channel.write(buf, buf.position());
            }
            channel.force(true);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        return new DirectoryLock(file, channel, lock);
    }

    /** The lock file. */
    public Path file() {
        return file;
    }

    /** Releases the lock (the file stays). */
    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }

    static String describeThisProcess() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = "unknown-host";
        }
        Instant started = ProcessHandle.current().info().startInstant().orElse(Instant.now());
        return "pid " + ProcessHandle.current().pid() + " on " + host + ", started " + started + "\n";
    }

    private static String holder(Path file) {
        try {
            String text = Files.readString(file, StandardCharsets.UTF_8).strip();
            return text.isEmpty() ? "a process that has not written its description yet" : text;
        } catch (IOException e) {
            return "a process this one cannot identify (" + e.getMessage() + ")";
        }
    }
}
