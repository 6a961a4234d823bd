package io.tributary.testsupport.faultfs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;

/**
 * A file channel of a {@link FaultFs}: forwards to the real channel, keeps the pre-image of each page before the first
 * change since the last fsync, and on {@link #force} records that the file (or, for a directory opened to fsync it,
 * its entries) is durable. Every call fails once the power is cut. Thread-safe like a {@link FileChannel}.
 */
final class FaultFileChannel extends FileChannel {

    private final FaultFs fs;
    private final FileChannel raw;
    private final Path realDir;
    private final FileState state;
    private final boolean append;

    /**
     * @param state the file's state, null for a directory
     * @param realDir the directory's real path, null for a file
     */
    FaultFileChannel(FaultFs fs, FileChannel raw, FileState state, Path realDir, boolean append) {
        this.fs = fs;
        this.raw = raw;
        this.state = state;
        this.realDir = realDir;
        this.append = append;
    }

    FileChannel raw() {
        return raw;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        return fs.guarded(() -> raw.read(dst));
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        return fs.guarded(() -> raw.read(dsts, offset, length));
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
        return fs.guarded(() -> raw.read(dst, position));
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        return (int) write(new ByteBuffer[] {src}, 0, 1);
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        return changing(size -> {
            long at = append ? size : raw.position();
            state.beforeChange(at, at + remaining(srcs, offset, length), size);
            return raw.write(srcs, offset, length);
        });
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
        return changing(size -> {
            state.beforeChange(position, position + src.remaining(), size);
            return raw.write(src, position);
        });
    }

    @Override
    public long position() throws IOException {
        return fs.guarded(() -> raw.position());
    }

    @Override
    public FileChannel position(long newPosition) throws IOException {
        fs.guarded(() -> raw.position(newPosition));
        return this;
    }

    @Override
    public long size() throws IOException {
        return fs.guarded(() -> raw.size());
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
        changing(current -> {
            state.beforeChange(size, current, current);
            return raw.truncate(size);
        });
        return this;
    }

    @Override
    public void force(boolean metaData) throws IOException {
        fs.guarded(() -> {
            fs.writing();
            if (state == null) {
                raw.force(metaData);
                fs.directorySynced(realDir);
                return null;
            }
            synchronized (state) {
                raw.force(metaData);
                state.synced(raw.size());
                return null;
            }
        });
    }

    @Override
    public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
        return fs.guarded(() -> raw.transferTo(position, count, target));
    }

    @Override
    public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
        return changing(size -> {
            state.beforeChange(position, position + count, size);
            return raw.transferFrom(src, position, count);
        });
    }

    /** A change of the file's bytes, given its current size; it and its capture run under the file's monitor. */
    @FunctionalInterface
    private interface Change<T> {
        T apply(long size) throws IOException;
    }

    private <T> T changing(Change<T> change) throws IOException {
        return fs.guarded(() -> {
            if (state == null) {
                throw new NonWritableChannelException();
            }
            fs.writing();
            synchronized (state) {
                return change.apply(raw.size());
            }
        });
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
        if (mode != MapMode.READ_ONLY) {
            throw new UnsupportedOperationException("faultfs cannot see writes through a mapping");
        }
        return fs.guarded(() -> raw.map(mode, position, size));
    }

    @Override
    public FileLock lock(long position, long size, boolean shared) throws IOException {
        return fs.guarded(() -> raw.lock(position, size, shared));
    }

    @Override
    public FileLock tryLock(long position, long size, boolean shared) throws IOException {
        return fs.guarded(() -> raw.tryLock(position, size, shared));
    }

    @Override
    protected void implCloseChannel() throws IOException {
        fs.closed(this);
    }

    private static long remaining(ByteBuffer[] srcs, int offset, int length) {
        long n = 0;
        for (int i = offset; i < offset + length; i++) {
            n += srcs[i].remaining();
        }
        return n;
    }
}
