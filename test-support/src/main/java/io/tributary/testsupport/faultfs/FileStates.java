package io.tributary.testsupport.faultfs;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The {@link FileState} of every file a {@link FaultFs} has opened, by the file's current real path: a state follows
 * its file through renames and into the stash. Thread rules: guarded by the owning {@code FaultFs}'s monitor.
 */
final class FileStates {

    private final Map<Path, FileState> byPath = new HashMap<>();

    /** The file's state, created with {@code durableLength} when the file has none yet. */
    FileState of(Path real, LongSupplier durableLength) {
        return byPath.computeIfAbsent(real, k -> new FileState(k, durableLength.getAsLong()));
    }

    List<FileState> all() {
        return new ArrayList<>(byPath.values());
    }

    int dirtyPages() {
        int n = 0;
        for (FileState s : byPath.values()) {
            synchronized (s) {
                n += s.dirtyPages();
            }
        }
        return n;
    }

    /** The states of a moved file, or of every file under a moved directory, follow it. */
    void moved(Path from, Path to) {
        Map<Path, FileState> moved = new HashMap<>();
        for (var it = byPath.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (e.getKey().startsWith(from)) {
                it.remove();
                Path now = to.resolve(from.relativize(e.getKey()));
                e.getValue().real = now;
                moved.put(now, e.getValue());
            }
        }
        byPath.putAll(moved);
    }

    /** The file, or every file under the directory, is gone for good. */
    void gone(Path path) throws IOException {
        for (var it = byPath.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (e.getKey().startsWith(path)) {
                synchronized (e.getValue()) {
                    e.getValue().closeReader();
                }
                it.remove();
            }
        }
    }
}
