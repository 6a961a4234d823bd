package io.tributary.testsupport.faultfs;

import java.io.IOException;
import java.net.URI;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.ProviderMismatchException;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.Objects;

/**
 * A path of a {@link FaultFs}: a real path of the default file system, handed out wrapped so that every operation on
 * it goes through the fault layer. {@code toFile()} and {@code toUri()} are not supported, so code that would escape
 * the layer fails loudly instead of writing behind its back. Immutable.
 */
final class FaultPath implements Path {

    private final FaultFileSystem fs;
    private final Path real;

    FaultPath(FaultFileSystem fs, Path real) {
        this.fs = fs;
        this.real = real;
    }

    /** The real path behind a path of {@code fs}; any other path is refused. */
    static Path unwrap(FaultFileSystem fs, Path path) {
        if (path instanceof FaultPath p && p.fs == fs) {
            return p.real;
        }
        throw new ProviderMismatchException("not a path of this fault file system: " + path);
    }

    Path real() {
        return real;
    }

    private Path wrap(Path p) {
        return p == null ? null : new FaultPath(fs, p);
    }

    private Path other(Path p) {
        return unwrap(fs, p);
    }

    @Override
    public FaultFileSystem getFileSystem() {
        return fs;
    }

    @Override
    public boolean isAbsolute() {
        return real.isAbsolute();
    }

    @Override
    public Path getRoot() {
        return wrap(real.getRoot());
    }

    @Override
    public Path getFileName() {
        return wrap(real.getFileName());
    }

    @Override
    public Path getParent() {
        return wrap(real.getParent());
    }

    @Override
    public int getNameCount() {
        return real.getNameCount();
    }

    @Override
    public Path getName(int index) {
        return wrap(real.getName(index));
    }

    @Override
    public Path subpath(int beginIndex, int endIndex) {
        return wrap(real.subpath(beginIndex, endIndex));
    }

    @Override
    public boolean startsWith(Path other) {
        return other instanceof FaultPath p && p.fs == fs && real.startsWith(p.real);
    }

    @Override
    public boolean endsWith(Path other) {
        return other instanceof FaultPath p && p.fs == fs && real.endsWith(p.real);
    }

    @Override
    public Path normalize() {
        return wrap(real.normalize());
    }

    @Override
    public Path resolve(Path other) {
        return wrap(real.resolve(other(other)));
    }

    @Override
    public Path relativize(Path other) {
        return wrap(real.relativize(other(other)));
    }

    @Override
    public URI toUri() {
        throw new UnsupportedOperationException("faultfs paths have no URI (it would escape the fault layer): " + this);
    }

    @Override
    public Path toAbsolutePath() {
        return wrap(real.toAbsolutePath());
    }

    @Override
    public Path toRealPath(LinkOption... options) throws IOException {
        return wrap(real.toRealPath(options));
    }

    @Override
    public WatchKey register(WatchService watcher, WatchEvent.Kind<?>[] events, WatchEvent.Modifier... modifiers) {
        throw new UnsupportedOperationException("faultfs does not watch directories");
    }

    @Override
    public int compareTo(Path other) {
        return real.compareTo(other(other));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FaultPath p && p.fs == fs && p.real.equals(real);
    }

    @Override
    public int hashCode() {
        return Objects.hash(System.identityHashCode(fs), real);
    }

    @Override
    public String toString() {
        return real.toString();
    }
}
