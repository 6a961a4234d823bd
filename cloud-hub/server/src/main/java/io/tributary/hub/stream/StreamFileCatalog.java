package io.tributary.hub.stream;

import io.tributary.hub.store.local.FileChannelFactory;
import io.tributary.protocol.fs.DurableDirs;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The catalog in a hub's data dir: one {@link StreamFile} per stream under {@code <dataDir>/streams/}, replaced
 * atomically on every change. One hub owns a data dir (the hub's directory lock), so the cross-hub lock of {@link
 * #update} is this object's monitor and no other hub's changes exist to follow.
 *
 * <p>{@link #open} loads every file and fails with {@link StreamException.Reason#CORRUPT}, naming every bad file,
 * rather than start without a stream; leftover {@code .tmp} files are uncommitted writes and are removed.
 */
public final class StreamFileCatalog implements StreamCatalog {
    private static final Logger LOG = LoggerFactory.getLogger(StreamFileCatalog.class);

    private final Path dir;
    private final FileChannelFactory files;
    /** The files' content; guarded by {@code this}. */
    private final Map<String, StreamDefinition> streams;

    private StreamFileCatalog(Path dir, FileChannelFactory files, Map<String, StreamDefinition> streams) {
        this.dir = dir;
        this.files = files;
        this.streams = streams;
    }

    /** Opens (creating if needed) the catalog directory {@code dir}, e.g. {@code <dataDir>/streams}. */
    public static StreamFileCatalog open(Path dir) {
        return open(dir, FileChannelFactory.DEFAULT);
    }

    /** As {@link #open(Path)}, writing stream files through channels {@code files} opens (tests inject faults). */
    static StreamFileCatalog open(Path dir, FileChannelFactory files) {
        Map<String, StreamDefinition> loaded = new HashMap<>();
        List<String> problems = new ArrayList<>();
        try {
            DurableDirs.create(dir);
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
                for (Path file : entries) {
                    String name = file.getFileName().toString();
                    if (name.endsWith(StreamFile.TEMP_SUFFIX)) {
                        LOG.warn("Removing uncommitted stream metadata write {}", file);
                        Files.delete(file);
                    } else if (name.endsWith(StreamFile.SUFFIX)) {
                        try {
                            StreamDefinition stream = StreamFile.read(file);
                            loaded.put(stream.name(), stream);
                        } catch (StreamException e) {
                            problems.add(e.getMessage());
                        }
                    } else {
                        LOG.warn("Ignoring unexpected file {} in stream catalog", file);
                    }
                }
            }
            StreamFile.fsyncDirectory(dir);
        } catch (IOException e) {
            throw new StreamException(StreamException.Reason.STORAGE, "cannot load streams from " + dir, e);
        }
        if (!problems.isEmpty()) {
            throw new StreamException(
                    StreamException.Reason.CORRUPT,
                    problems.size() + " stream file(s) unreadable; restore or move them aside: "
                            + String.join("; ", problems));
        }
        return new StreamFileCatalog(dir, files, loaded);
    }

    @Override
    public synchronized Map<String, StreamDefinition> streams() {
        return Map.copyOf(streams);
    }

    @Override
    public synchronized Optional<StreamDefinition> current(String stream) {
        return Optional.ofNullable(streams.get(stream));
    }

    @Override
    public synchronized Change update(String stream, UnaryOperator<Optional<StreamDefinition>> change) {
        Optional<StreamDefinition> before = Optional.ofNullable(streams.get(stream));
        Optional<StreamDefinition> after = change.apply(before);
        if (after.equals(before)) {
            return new Change(before, after);
        }
        if (after.isPresent()) {
            try {
                StreamFile.write(dir, after.get(), files);
            } catch (IOException e) {
                throw new StreamException(StreamException.Reason.STORAGE, "cannot write stream " + stream, e);
            }
            streams.put(stream, after.get());
        } else {
            try {
                StreamFile.delete(dir, stream);
            } catch (IOException e) {
                throw new StreamException(StreamException.Reason.STORAGE, "cannot delete stream " + stream, e);
            }
            streams.remove(stream);
        }
        return new Change(before, after);
    }

    /** Nothing to follow: no other hub writes this directory. */
    @Override
    public void follow(Consumer<String> follower) {}

    @Override
    public String describe() {
        return dir.toString();
    }

    @Override
    public void close() {}
}
