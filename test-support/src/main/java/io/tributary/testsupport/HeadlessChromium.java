package io.tributary.testsupport;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Headless Chromium (Debian's {@code chromium} package) for the web consoles' tests: loads a page, lets its scripts
 * run for a budget of virtual time (their polling timers included), then prints the DOM or takes a screenshot. Each
 * call is a child process with its own profile directory and a timeout. Not thread-safe.
 *
 * <p>Without a Chromium the test is skipped, except under {@code CI=true} (what {@code .ci/run} exports), where it
 * fails: CI installs the package, so a missing browser there is a broken CI, not a reason to skip.
 */
public final class HeadlessChromium {
    /** Names tried on the PATH, after the {@code TRIBUTARY_CHROMIUM} environment variable. */
    private static final List<String> NAMES = List.of("chromium", "chromium-browser", "google-chrome");

    private static final long TIMEOUT_SECONDS = 90;

    private final Path binary;
    private final Path workDir;

    private HeadlessChromium(Path binary, Path workDir) {
        this.binary = binary;
        this.workDir = workDir;
    }

    /**
     * The installed browser, working in {@code workDir} (profiles and logs); skips the test when there is none, or
     * fails it under {@code CI=true}.
     */
    public static HeadlessChromium findOrSkip(Path workDir) {
        Optional<Path> found = find();
        if (found.isEmpty()) {
            String message = "no headless Chromium (" + NAMES + " on the PATH, or TRIBUTARY_CHROMIUM);"
                    + " install Debian's chromium package";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                Assertions.fail(message + " (CI=true: the console browser test must run; .ci/run installs it)");
            }
            message += ": console browser test skipped";
            System.err.println("WARNING: " + message); // a skipped test is easy to miss in the build log
            Assumptions.abort(message);
        }
        return new HeadlessChromium(found.get(), workDir);
    }

    static Optional<Path> find() {
        String configured = System.getenv("TRIBUTARY_CHROMIUM");
        if (configured != null && !configured.isBlank()) {
            return Optional.of(Path.of(configured)).filter(Files::isExecutable);
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            for (String name : NAMES) {
                Path p = Path.of(dir.isEmpty() ? "." : dir, name);
                if (Files.isExecutable(p)) {
                    return Optional.of(p);
                }
            }
        }
        return Optional.empty();
    }

    /** The DOM of {@code url} after {@code budgetMs} of virtual time (scripts, timers and fetches ran). */
    public String dumpDom(URI url, long budgetMs) throws IOException, InterruptedException {
        Path out = run("dom", url, budgetMs, List.of("--dump-dom"));
        return Files.readString(out, StandardCharsets.UTF_8);
    }

    /** A PNG of {@code url} at 1280x1400 after {@code budgetMs} of virtual time, written to {@code png}. */
    public void screenshot(URI url, long budgetMs, Path png) throws IOException, InterruptedException {
        Files.createDirectories(png.toAbsolutePath().getParent());
        run(
                "screenshot",
                url,
                budgetMs,
                List.of("--screenshot=" + png.toAbsolutePath(), "--window-size=1280,1400", "--hide-scrollbars"));
        if (!Files.isRegularFile(png) || Files.size(png) == 0) {
            throw new IOException("chromium wrote no screenshot to " + png + "; see the logs in " + workDir);
        }
    }

    private Path run(String name, URI url, long budgetMs, List<String> what) throws IOException, InterruptedException {
        Path dir = Files.createDirectories(workDir.resolve(name + "-" + System.nanoTime()));
        List<String> command = new ArrayList<>(List.of(
                binary.toString(),
                "--headless",
                "--no-sandbox", // CI runs as root, where Chromium's sandbox refuses to start
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--user-data-dir=" + dir.resolve("profile"),
                "--virtual-time-budget=" + budgetMs));
        command.addAll(what);
        command.add(url.toString());
        Path stdout = dir.resolve("stdout.html");
        Path stderr = dir.resolve("stderr.log");
        Process p = new ProcessBuilder(command)
                .redirectOutput(stdout.toFile())
                .redirectError(stderr.toFile())
                .start();
        if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("chromium did not finish within " + TIMEOUT_SECONDS + " s: " + command);
        }
        if (p.exitValue() != 0) {
            throw new IOException("chromium exited with " + p.exitValue() + ": " + command + "; see " + stderr);
        }
        return stdout;
    }
}
