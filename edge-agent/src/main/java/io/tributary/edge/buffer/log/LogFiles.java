package io.tributary.edge.buffer.log;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.Set;

/**
 * Opens the buffer log's file channels (segments, and the directory for its fsync): a seam so that tests can inject
 * ENOSPC and EIO at every write point. Implementations must be thread-safe.
 */
@FunctionalInterface
public interface LogFiles {
    /** The real file system. */
    LogFiles DEFAULT = FileChannel::open;

    FileChannel open(Path path, Set<? extends OpenOption> options) throws IOException;
}
