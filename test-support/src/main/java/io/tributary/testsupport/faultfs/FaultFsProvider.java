package io.tributary.testsupport.faultfs;

import java.io.IOException;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessMode;
import java.nio.file.CopyOption;
import java.nio.file.DirectoryStream;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileAttributeView;
import java.nio.file.spi.FileSystemProvider;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * The provider behind a {@link FaultFs}'s paths, so that {@code Files.*} and {@code FileChannel.open} on them come
 * here: reads and attributes go straight to the default provider; opening, creating, renaming and deleting go through
 * the {@link FaultFs}, which records them. Thread-safe.
 */
final class FaultFsProvider extends FileSystemProvider {

    private final FaultFs owner;
    private final FaultFileSystem fs;
    private final FileSystemProvider real;

    FaultFsProvider(FaultFs owner, FaultFileSystem fs) {
        this.owner = owner;
        this.fs = fs;
        this.real = java.nio.file.FileSystems.getDefault().provider();
    }

    private Path unwrap(Path p) {
        return FaultPath.unwrap(fs, p);
    }

    @Override
    public String getScheme() {
        return "faultfs";
    }

    @Override
    public FileSystem newFileSystem(URI uri, Map<String, ?> env) {
        throw new UnsupportedOperationException("create a FaultFs instead");
    }

    @Override
    public FileSystem getFileSystem(URI uri) {
        throw new UnsupportedOperationException("faultfs file systems are not looked up by URI");
    }

    @Override
    public Path getPath(URI uri) {
        throw new UnsupportedOperationException("faultfs file systems are not looked up by URI");
    }

    @Override
    public FileChannel newFileChannel(Path path, Set<? extends OpenOption> options, FileAttribute<?>... attrs)
            throws IOException {
        return owner.open(unwrap(path), options, attrs);
    }

    @Override
    public SeekableByteChannel newByteChannel(Path path, Set<? extends OpenOption> options, FileAttribute<?>... attrs)
            throws IOException {
        return newFileChannel(path, options, attrs);
    }

    @Override
    public DirectoryStream<Path> newDirectoryStream(Path dir, DirectoryStream.Filter<? super Path> filter)
            throws IOException {
        return owner.<DirectoryStream<Path>>guarded(() -> {
            DirectoryStream<Path> entries = real.newDirectoryStream(unwrap(dir), p -> filter.accept(fs.wrap(p)));
            return new DirectoryStream<Path>() {
                @Override
                public Iterator<Path> iterator() {
                    Iterator<Path> it = entries.iterator();
                    return new Iterator<Path>() {
                        @Override
                        public boolean hasNext() {
                            return it.hasNext();
                        }

                        @Override
                        public Path next() {
                            return fs.wrap(it.next());
                        }
                    };
                }

                @Override
                public void close() throws IOException {
                    entries.close();
                }
            };
        });
    }

    @Override
    public void createDirectory(Path dir, FileAttribute<?>... attrs) throws IOException {
        owner.createDirectory(unwrap(dir), attrs);
    }

    @Override
    public void delete(Path path) throws IOException {
        owner.delete(unwrap(path));
    }

    @Override
    public void copy(Path source, Path target, CopyOption... options) {
        throw new UnsupportedOperationException("faultfs does not model copies; none of our stores copies files");
    }

    @Override
    public void move(Path source, Path target, CopyOption... options) throws IOException {
        owner.move(unwrap(source), unwrap(target), options);
    }

    @Override
    public boolean isSameFile(Path path, Path path2) throws IOException {
        return owner.guarded(() -> real.isSameFile(unwrap(path), unwrap(path2)));
    }

    @Override
    public boolean isHidden(Path path) throws IOException {
        return real.isHidden(unwrap(path));
    }

    @Override
    public FileStore getFileStore(Path path) throws IOException {
        return owner.guarded(() -> real.getFileStore(unwrap(path)));
    }

    @Override
    public void checkAccess(Path path, AccessMode... modes) throws IOException {
        owner.enter();
        try {
            real.checkAccess(unwrap(path), modes);
        } finally {
            owner.exit();
        }
    }

    @Override
    public <V extends FileAttributeView> V getFileAttributeView(Path path, Class<V> type, LinkOption... options) {
        return real.getFileAttributeView(unwrap(path), type, options);
    }

    @Override
    public <A extends BasicFileAttributes> A readAttributes(Path path, Class<A> type, LinkOption... options)
            throws IOException {
        return owner.guarded(() -> real.readAttributes(unwrap(path), type, options));
    }

    @Override
    public Map<String, Object> readAttributes(Path path, String attributes, LinkOption... options) throws IOException {
        return owner.guarded(() -> real.readAttributes(unwrap(path), attributes, options));
    }

    @Override
    public void setAttribute(Path path, String attribute, Object value, LinkOption... options) {
        throw new UnsupportedOperationException("faultfs does not model attribute changes");
    }
}
