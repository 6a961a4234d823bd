package io.tributary.testsupport.faultfs;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.CopyOption;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A file system for tests that can lose power: a wrapper of the real one (a {@link java.nio.file.FileSystem} whose
 * paths, from {@link #root()}, go through it), in the spirit of RocksDB's FaultInjectionTestFS. Code under test gets
 * a path from it and uses {@code Files} and {@code FileChannel} as usual; the layer writes to the real disk and
 * remembers what a power cut could still take away:
 *
 * <ul>
 *   <li>per file (per inode: renames keep it), the pre-image of each 4 KiB page changed since the file's last
 *       {@code FileChannel.force} and its length at that fsync;
 *   <li>per directory, the entries created, renamed and deleted since the directory's last fsync (a directory opened
 *       with {@code FileChannel.open(dir, READ)} and forced, as {@code DurableDirs.sync} does). A deleted or replaced
 *       file is moved to a stash beside the root until that is durable, so a cut can bring it back.
 * </ul>
 *
 * <p>{@link #cut} is the power cut: from then on every operation through this file system fails with an
 * {@link IOException} (the code under test sees a dead disk), open channels are closed, and the real files are set to
 * what could have survived: all unsynced data dropped, or, at random, each dirty page kept, dropped or torn at a
 * sector, file lengths anywhere between the synced and the written one, and unsynced directory changes undone from
 * the newest back to a random point (journaled metadata reaches the disk in order). A new {@code FaultFs} on the same
 * directory then plays the reboot: files present are taken as durable.
 *
 * <p>Thread rules: any thread may use the paths and channels; {@link #cut} waits for operations in flight and runs
 * alone. Not modelled: memory-mapped writes (refused), copies (refused), hard and symbolic links, ENOSPC.
 */
public final class FaultFs {

    private final Path realRoot;
    private final Path stashDir;
    private final FaultFileSystem fs = new FaultFileSystem(this);
    /** Operations hold it shared; the cut holds it exclusively to find none in flight. */
    private final ReentrantReadWriteLock power = new ReentrantReadWriteLock();

    private volatile boolean down;
    private volatile boolean cutDone;
    /** Guards writesLeft, so that after {@link #powerOffAfter} returns no earlier arming can still cut. */
    private final Object arming = new Object();
    /** Writing operations left before the power goes off by itself ({@link #powerOffAfter}). */
    private long writesLeft = Long.MAX_VALUE;
    // guarded by this: the file states, the directory changes not yet durable, the open channels
    private final FileStates files = new FileStates();
    private final List<DirOp> pending = new ArrayList<>();
    private final Set<FaultFileChannel> channels = new LinkedHashSet<>();
    private long stashed;

    /** A directory change not yet durable; {@code awaiting} are the directories whose fsync makes it durable. */
    private record DirOp(Kind kind, Path path, Path from, Path stash, Set<Path> awaiting) {}

    private enum Kind {
        CREATE,
        MKDIR,
        RENAME,
        DELETE
    }

    /**
     * A fault file system over {@code realRoot} (created if missing; what is in it counts as durable). Deleted files
     * wait in {@code realRoot + ".stash"}, a sibling, so that they are out of sight but on the same disk.
     */
    public FaultFs(Path realRoot) throws IOException {
        this.realRoot = realRoot.toAbsolutePath().normalize();
        this.stashDir = this.realRoot.resolveSibling(this.realRoot.getFileName() + ".stash");
        Files.createDirectories(this.realRoot);
        Files.createDirectories(stashDir);
    }

    /** The root directory, as a path of this file system: hand it (or paths under it) to the code under test. */
    public Path root() {
        return fs.wrap(realRoot);
    }

    /** The real directory behind {@link #root()} (for a reopen with a new {@code FaultFs}, or a look behind it). */
    public Path realRoot() {
        return realRoot;
    }

    /** True once the power is off: {@link #cut} ran, or the writing operation {@link #powerOffAfter} named came. */
    public boolean isDown() {
        return down;
    }

    /**
     * Turns the power off at the {@code writes}-th writing operation from now (a write, truncation, fsync, opening a
     * file, directory creation, rename or delete; the one that fails is not done): the cut lands between any two
     * steps of the code under test, e.g. between a write and its fsync, or a rename and its directory's fsync. Every
     * later operation fails as after {@link #cut}, which must still be called to decide what the disk kept.
     */
    public void powerOffAfter(long writes) {
        if (writes < 1) {
            throw new IllegalArgumentException("writes must be at least 1: " + writes);
        }
        synchronized (arming) {
            writesLeft = writes;
        }
    }

    /** Pages changed and not yet fsync'd, in all files. */
    public synchronized int unsyncedPages() {
        return files.dirtyPages();
    }

    /** Directory changes (create, mkdir, rename, delete) whose directory was not fsync'd since. */
    public synchronized int unsyncedDirectoryChanges() {
        return pending.size();
    }

    /**
     * Cuts the power: waits for operations in flight, fails every later one, closes every channel and leaves on disk
     * what survived: with {@code dropAll} exactly what was fsync'd, else a random part of the rest on top (see the
     * class comment). Returns what it did. Call it once; reopen with a new {@code FaultFs} on {@link #realRoot()}.
     */
    public CutReport cut(Random random, boolean dropAll) throws IOException {
        power.writeLock().lock();
        try {
            if (cutDone) {
                throw new IllegalStateException("the power is already cut");
            }
            down = true;
            cutDone = true;
        } finally {
            power.writeLock().unlock();
        }
        synchronized (this) {
            for (FaultFileChannel ch : new ArrayList<>(channels)) {
                ch.raw().close();
            }
            channels.clear();
            Map<String, Long> counts = new TreeMap<>();
            for (FileState state : files.all()) {
                synchronized (state) {
                    state.cut(random, dropAll, counts);
                }
            }
            int keep = dropAll ? 0 : random.nextInt(pending.size() + 1);
            for (int i = pending.size() - 1; i >= keep; i--) {
                undo(pending.get(i));
                counts.merge("directoryChangesUndone", 1L, Long::sum);
            }
            counts.put("directoryChangesKept", (long) keep);
            pending.clear();
            deleteTree(stashDir);
            return new CutReport(dropAll, counts);
        }
    }

    /** An operation that may fail with an I/O error. */
    @FunctionalInterface
    interface IoCall<T> {
        T call() throws IOException;
    }

    /** Runs {@code call} with the power on (failing when it is cut), never while a cut runs. */
    <T> T guarded(IoCall<T> call) throws IOException {
        enter();
        try {
            return call.call();
        } finally {
            exit();
        }
    }

    /** A change of the file system: with the power on, and one at a time, so that they are recorded in order. */
    private <T> T mutating(IoCall<T> call) throws IOException {
        return guarded(() -> {
            writing();
            synchronized (this) {
                return call.call();
            }
        });
    }

    void enter() throws IOException {
        power.readLock().lock();
        if (down) {
            power.readLock().unlock();
            throw new IOException("faultfs: the power is cut");
        }
    }

    /** Called by each writing operation, with the power on: turns it off at the one {@link #powerOffAfter} named. */
    void writing() throws IOException {
        synchronized (arming) {
            if (--writesLeft == 0) {
                down = true;
                throw new IOException("faultfs: the power is cut");
            }
        }
    }

    void exit() {
        power.readLock().unlock();
    }

    FaultFileChannel open(Path real, Set<? extends OpenOption> options, FileAttribute<?>... attrs) throws IOException {
        return mutating(() -> {
            Path key = real.toAbsolutePath().normalize();
            boolean existed = Files.exists(key);
            boolean writing = options.contains(StandardOpenOption.WRITE) || options.contains(StandardOpenOption.APPEND);
            Set<OpenOption> opts = new HashSet<>(options);
            // a truncation at open is a change like any other: done below, after its pages are kept
            boolean truncate = writing && existed && opts.remove(StandardOpenOption.TRUNCATE_EXISTING);
            FileChannel raw = FileChannel.open(key, opts, attrs);
            try {
                if (!existed) {
                    record(Kind.CREATE, key, null, null, Set.of(key.getParent()));
                }
                FaultFileChannel ch;
                if (Files.isDirectory(key)) {
                    ch = new FaultFileChannel(this, raw, null, key, false);
                } else {
                    long size = raw.size();
                    FileState state = files.of(key, () -> existed ? size : 0);
                    ch = new FaultFileChannel(this, raw, state, null, opts.contains(StandardOpenOption.APPEND));
                    if (truncate) {
                        synchronized (state) {
                            state.beforeChange(0, size, size);
                            raw.truncate(0);
                        }
                    }
                }
                channels.add(ch);
                return ch;
            } catch (IOException | RuntimeException e) {
                raw.close();
                throw e;
            }
        });
    }

    void closed(FaultFileChannel ch) throws IOException {
        synchronized (this) {
            channels.remove(ch);
        }
        ch.raw().close();
    }

    void createDirectory(Path real, FileAttribute<?>... attrs) throws IOException {
        mutating(() -> {
            Path key = real.toAbsolutePath().normalize();
            Files.createDirectory(key, attrs);
            record(Kind.MKDIR, key, null, null, Set.of(key.getParent()));
            return null;
        });
    }

    void delete(Path real) throws IOException {
        mutating(() -> {
            Path key = real.toAbsolutePath().normalize();
            if (!Files.exists(key, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                throw new NoSuchFileException(real.toString());
            }
            if (Files.isDirectory(key)) {
                try (var entries = Files.newDirectoryStream(key)) {
                    if (entries.iterator().hasNext()) {
                        throw new DirectoryNotEmptyException(real.toString());
                    }
                }
            }
            Path stash = stash(key);
            Files.move(key, stash, StandardCopyOption.ATOMIC_MOVE);
            files.moved(key, stash);
            record(Kind.DELETE, key, null, stash, Set.of(key.getParent()));
            return null;
        });
    }

    void move(Path realSource, Path realTarget, CopyOption... options) throws IOException {
        mutating(() -> {
            Path from = realSource.toAbsolutePath().normalize();
            Path to = realTarget.toAbsolutePath().normalize();
            if (!Files.exists(from)) {
                throw new NoSuchFileException(realSource.toString());
            }
            Set<CopyOption> opts = Set.of(options);
            Path replaced = null;
            if (Files.exists(to) && !from.equals(to)) {
                // rename(2), which an atomic move is on Linux, replaces the target
                if (!opts.contains(StandardCopyOption.REPLACE_EXISTING)
                        && !opts.contains(StandardCopyOption.ATOMIC_MOVE)) {
                    throw new FileAlreadyExistsException(realTarget.toString());
                }
                replaced = stash(to);
                if (Files.isDirectory(to)) {
                    Files.move(to, replaced, StandardCopyOption.ATOMIC_MOVE); // only empty ones are replaced
                } else {
                    Files.createLink(replaced, to); // the old file's inode, kept for an undo
                }
                files.moved(to, replaced);
            }
            try {
                Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("faultfs: rename across file systems is not modelled: " + from, e);
            }
            files.moved(from, to);
            record(Kind.RENAME, to, from, replaced, new HashSet<>(List.of(from.getParent(), to.getParent())));
            return null;
        });
    }

    /** A directory was fsync'd: the changes of its entries become durable once all their directories are. */
    void directorySynced(Path realDir) throws IOException {
        synchronized (this) {
            Path dir = realDir.toAbsolutePath().normalize();
            for (var it = pending.iterator(); it.hasNext(); ) {
                DirOp op = it.next();
                op.awaiting().remove(dir);
                if (op.awaiting().isEmpty()) {
                    it.remove();
                    if (op.stash() != null) {
                        files.gone(op.stash());
                        deleteTree(op.stash());
                    }
                }
            }
        }
    }

    private void record(Kind kind, Path path, Path from, Path stash, Set<Path> awaiting) {
        pending.add(new DirOp(kind, path, from, stash, new HashSet<>(awaiting)));
    }

    private Path stash(Path key) {
        return stashDir.resolve((++stashed) + "-" + key.getFileName());
    }

    private void undo(DirOp op) throws IOException {
        switch (op.kind()) {
            case CREATE, MKDIR -> {
                files.gone(op.path());
                deleteTree(op.path());
            }
            case RENAME -> {
                Files.move(op.path(), op.from(), StandardCopyOption.ATOMIC_MOVE);
                files.moved(op.path(), op.from());
                if (op.stash() != null) {
                    Files.move(
                            op.stash(), op.path(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                    files.moved(op.stash(), op.path());
                }
            }
            case DELETE -> {
                Files.move(op.stash(), op.path(), StandardCopyOption.ATOMIC_MOVE);
                files.moved(op.stash(), op.path());
            }
        }
    }

    private static void deleteTree(Path path) throws IOException {
        if (!Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (Files.isDirectory(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            try (var entries = Files.newDirectoryStream(path)) {
                for (Path p : entries) {
                    deleteTree(p);
                }
            }
        }
        Files.delete(path);
    }
}
