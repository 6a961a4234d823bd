package io.tributary.hub.store.local;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.Set;

/** Opens the store's file channels; a seam so tests can inject I/O failures. Implementations must be thread-safe. */
@FunctionalInterface
public interface FileChannelFactory {
    /** The real file system. */
    FileChannelFactory DEFAULT = FileChannel::open;

    FileChannel open(Path path, Set<? extends OpenOption> options) throws IOException;
}
