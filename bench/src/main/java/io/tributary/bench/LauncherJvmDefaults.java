package io.tributary.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The JVM options {@code ./tributary} gives a role by default ({@code deploy/config/<role>.jvm.options}), so that a
 * benchmark measures the agent as users run it. The same rules as the launcher: {@code #} starts a comment, and a
 * collector among the caller's own options replaces the file's.
 */
final class LauncherJvmDefaults {

    private static final Pattern COLLECTOR = Pattern.compile("-XX:\\+Use[A-Za-z0-9]*GC");

    private LauncherJvmDefaults() {}

    /**
     * The role's default options followed by {@code own}; only {@code own} when the file is not found (from the
     * launcher's {@code tributary.home}, else the working directory or its parent, the repository root in tests).
     */
    static List<String> withDefaults(String role, List<String> own) {
        List<String> opts = new ArrayList<>();
        boolean ownCollector = own.stream().anyMatch(o -> COLLECTOR.matcher(o).matches());
        for (String o : read(role)) {
            if (!(ownCollector && COLLECTOR.matcher(o).matches())) {
                opts.add(o);
            }
        }
        opts.addAll(own);
        return opts;
    }

    static List<String> read(String role) {
        Path file = optionsFile(role);
        if (file == null) {
            return List.of();
        }
        try {
            return Files.readAllLines(file).stream()
                    .map(l -> l.replaceAll("#.*", "").strip())
                    .filter(l -> !l.isEmpty())
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private static Path optionsFile(String role) {
        String name = "deploy/config/" + role + ".jvm.options";
        String home = System.getProperty("tributary.home");
        List<Path> roots = new ArrayList<>();
        if (home != null) {
            roots.add(Path.of(home));
        }
        Path cwd = Path.of("").toAbsolutePath();
        roots.add(cwd);
        if (cwd.getParent() != null) {
            roots.add(cwd.getParent());
        }
        return roots.stream()
                .map(r -> r.resolve(name))
                .filter(Files::isRegularFile)
                .findFirst()
                .orElse(null);
    }
}
