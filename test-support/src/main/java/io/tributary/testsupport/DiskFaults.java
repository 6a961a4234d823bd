package io.tributary.testsupport;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A disk that fails on demand: ENOSPC ({@link #noSpace()}) or EIO ({@link #ioError()}) at chosen write points of
 * the files whose path matches, until {@link #clear()}ed. Use {@link #open} as the store's channel factory (its
 * signature is that of the edge's {@code LogFiles} and the hub's {@code FileChannelFactory}); it hands out real
 * channels wrapped in a {@link FaultyFileChannel}. The errors carry the kernel's messages, so a store classifies
 * them as it would the real ones.
 *
 * <p>Thread-safe: a test thread arms and clears faults while the store's threads write.
 */
public final class DiskFaults implements FaultyFileChannel.Faults {

    /** Where a fault strikes. */
    public enum Point {
        /** Creating a file (open with CREATE or CREATE_NEW of a file that does not exist yet). */
        CREATE,
        /** Writing to a file: nothing is written. */
        WRITE,
        /** Writing to a file: half of the bytes are written, then it fails (a write that runs out of space). */
        TORN_WRITE,
        /** Syncing a file (fsync / fdatasync). */
        FORCE,
        /** Syncing a directory (after a create, rename or delete in it). */
        DIRECTORY_FORCE,
        /** Truncating a file. */
        TRUNCATE
    }

    private record Rule(Point point, Predicate<Path> paths, IOException error) {}

    private final List<Rule> rules = new CopyOnWriteArrayList<>();
    private final AtomicInteger injected = new AtomicInteger();

    /** The kernel's ENOSPC text, as the JDK reports it. */
    public static IOException noSpace() {
        return new IOException("No space left on device");
    }

    /** The kernel's EIO text, as the JDK reports it. */
    public static IOException ioError() {
        return new IOException("Input/output error");
    }

    /**
     * From now on, every {@code point} operation on a path whose text contains {@code pathPart} throws {@code error}
     * (in addition to the faults armed already).
     */
    public DiskFaults failAt(Point point, String pathPart, IOException error) {
        return failAt(point, p -> p.toString().contains(pathPart), error);
    }

    /** As {@link #failAt(Point, String, IOException)}, for the paths {@code paths} accepts. */
    public DiskFaults failAt(Point point, Predicate<Path> paths, IOException error) {
        rules.add(new Rule(point, paths, error));
        return this;
    }

    /** From now on every operation succeeds (the disk has space again, the cable is back). */
    public void clear() {
        rules.clear();
    }

    /** From now on {@code point} operations succeed; other armed faults stay. */
    public void clear(Point point) {
        rules.removeIf(r -> r.point() == point);
    }

    /** How many operations failed so far. */
    public int injected() {
        return injected.get();
    }

    /** Opens a real channel, failing a create when armed so, wrapped so that its writes and syncs can fail. */
    public FileChannel open(Path path, Set<? extends OpenOption> options) throws IOException {
        boolean creates =
                (options.contains(StandardOpenOption.CREATE_NEW) || options.contains(StandardOpenOption.CREATE))
                        && !Files.exists(path);
        if (creates) {
            IOException e = fault(path, Point.CREATE);
            if (e != null) {
                throw e;
            }
        }
        return new FaultyFileChannel(FileChannel.open(path, options), path, this);
    }

    @Override
    public IOException check(Path path, FaultyFileChannel.Op op) {
        Point point =
                switch (op) {
                    case WRITE -> Point.WRITE; // TORN_WRITE rules are looked up as well, below
                    case FORCE -> Files.isDirectory(path) ? Point.DIRECTORY_FORCE : Point.FORCE;
                    case TRUNCATE -> Point.TRUNCATE;
                };
        return fault(path, point);
    }

    private IOException fault(Path path, Point point) {
        for (Rule r : rules) {
            boolean torn = point == Point.WRITE && r.point() == Point.TORN_WRITE;
            if ((r.point() == point || torn) && r.paths().test(path)) {
                injected.incrementAndGet();
                // a fresh exception each time, with the armed one's message: stack traces show where it struck
                String message = r.error().getMessage();
                return torn ? new FaultyFileChannel.TornWrite(message) : new IOException(message);
            }
        }
        return null;
    }
}
