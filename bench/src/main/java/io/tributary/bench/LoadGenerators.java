package io.tributary.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Picks the load generator of {@code bench edge}: the C one where it can be built, else the Java one; {@code bench
 * pubsub} takes the C one only.
 */
final class LoadGenerators {
    private LoadGenerators() {}

    /**
     * {@code java}: the Java generator. A path: that C generator binary. {@code auto}: compiles {@code source} (or the
     * shared tools' {@code mqtt_loadgen.c} found next to the repository) into the repository's {@code target/}, and
     * falls back to the Java generator, with a note, when the source or gcc is missing or gcc fails.
     *
     * @throws IllegalArgumentException when a given binary is not executable
     */
    static LoadGenerator choose(String which, Path source, Pinning pinning, Path log, List<String> notes)
            throws InterruptedException {
        if (which.equals("java")) {
            return new JavaLoadGen();
        }
        CLoadGen c = c(which, source, pinning, log, notes);
        if (c == null) {
            notes.set(notes.size() - 1, notes.get(notes.size() - 1) + ": Java generator used");
            return new JavaLoadGen();
        }
        return c;
    }

    /**
     * The C generator only: the binary {@code which} names, or with {@code auto} the one compiled from {@code source}
     * (or the shared tools' {@code mqtt_loadgen.c}); null, with a note why, when it cannot be had.
     *
     * @throws IllegalArgumentException when a given binary is not executable
     */
    static CLoadGen c(String which, Path source, Pinning pinning, Path log, List<String> notes)
            throws InterruptedException {
        if (!which.equals("auto")) {
            Path binary = Path.of(which);
            if (!Files.isExecutable(binary)) {
                throw new IllegalArgumentException("--loadgen " + which + " is not an executable file");
            }
            return new CLoadGen(binary, pinning.load(), log);
        }
        Path root = CLoadGen.repositoryRoot();
        Path src = CLoadGen.findSource(source, root);
        if (src == null) {
            notes.add("C load generator source not found (" + (source != null ? source : "--loadgen-src") + ")");
            return null;
        }
        Path target = (root != null ? root : Path.of("").toAbsolutePath()).resolve("target");
        try {
            return new CLoadGen(CLoadGen.compile(src, target), pinning.load(), log);
        } catch (java.io.IOException e) {
            notes.add("C load generator not built (" + e.getMessage() + ")");
            return null;
        }
    }
}
