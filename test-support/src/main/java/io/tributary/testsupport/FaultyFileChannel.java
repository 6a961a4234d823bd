package io.tributary.testsupport;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Delegates to a real channel, but asks {@link Faults} before every write, force and truncate whether to throw
 * instead (nothing is written then). Reads always pass: a full disk or a failing write path still reads. See
 * {@link DiskFaults} for a ready-made plan (ENOSPC / EIO at chosen points).
 */
public final class FaultyFileChannel extends FileChannel {

    /** The operations that can fail. */
    public enum Op {
        WRITE,
        FORCE,
        TRUNCATE
    }

    /**
     * Thrown by {@link Faults#check} for a write that fails after writing part of its bytes, as a write that runs out
     * of space does: the channel writes the first half (rounded down) of what it was given, then throws an {@link
     * IOException} with this one's message.
     */
    public static final class TornWrite extends IOException {
        public TornWrite(String message) {
            super(message);
        }
    }

    /** Decides, per operation, whether it fails. Must be thread-safe. */
    @FunctionalInterface
    public interface Faults {
        /** The error to throw instead of doing {@code op} on {@code path}, or null to do it. */
        IOException check(Path path, Op op);
    }

    private final FileChannel delegate;
    private final Path path;
    private final Faults faults;

    public FaultyFileChannel(FileChannel delegate, Path path, Faults faults) {
        this.delegate = delegate;
        this.path = path;
        this.faults = faults;
    }

    /** Every write, force and truncate fails with "injected I/O failure" while {@code failing} is set. */
    public static FaultyFileChannel failingWhile(FileChannel delegate, AtomicBoolean failing) {
        return new FaultyFileChannel(
                delegate, null, (p, op) -> failing.get() ? new IOException("injected I/O failure") : null);
    }

    private void check(Op op) throws IOException {
        IOException e = faults.check(path, op);
        if (e != null) {
            throw e;
        }
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        return delegate.read(dst);
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        return delegate.read(dsts, offset, length);
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        tornOrCheck(src, -1);
        return delegate.write(src);
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        if (length > 0) {
            tornOrCheck(srcs[offset], -1); // a torn gathering write: part of its first buffer
        } else {
            check(Op.WRITE);
        }
        return delegate.write(srcs, offset, length);
    }

    @Override
    public long position() throws IOException {
        return delegate.position();
    }

    @Override
    public FileChannel position(long newPosition) throws IOException {
        delegate.position(newPosition);
        return this;
    }

    @Override
    public long size() throws IOException {
        return delegate.size();
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
        check(Op.TRUNCATE);
        delegate.truncate(size);
        return this;
    }

    @Override
    public void force(boolean metaData) throws IOException {
        check(Op.FORCE);
        delegate.force(metaData);
    }

    @Override
    public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
        return delegate.transferTo(position, count, target);
    }

    @Override
    public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
        check(Op.WRITE);
        return delegate.transferFrom(src, position, count);
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
        return delegate.read(dst, position);
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
        tornOrCheck(src, position);
        return delegate.write(src, position);
    }

    /** Checks a write; a {@link TornWrite} writes half of {@code src} (at {@code position} unless -1) and throws. */
    private void tornOrCheck(ByteBuffer src, long position) throws IOException {
        IOException e = faults.check(path, Op.WRITE);
        if (e == null) {
            return;
        }
        if (e instanceof TornWrite) {
            ByteBuffer half = src.duplicate();
            half.limit(half.position() + half.remaining() / 2);
            if (position < 0) {
                delegate.write(half);
            } else {
                delegate.write(half, position);
            }
            throw new IOException(e.getMessage());
        }
        throw e;
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
        return delegate.map(mode, position, size);
    }

    @Override
    public FileLock lock(long position, long size, boolean shared) throws IOException {
        return delegate.lock(position, size, shared);
    }

    @Override
    public FileLock tryLock(long position, long size, boolean shared) throws IOException {
        return delegate.tryLock(position, size, shared);
    }

    @Override
    protected void implCloseChannel() throws IOException {
        delegate.close();
    }
}
