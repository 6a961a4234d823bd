package io.tributary.edge.e2e;

import io.tributary.edge.EdgeMain;
import io.tributary.testsupport.ChildJvms;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An edge agent ({@link EdgeMain}) in a child JVM on this test's class path, so that it can be SIGKILLed. Its stderr
 * (the log) goes to a file; {@link #start} returns once it printed its ready line.
 *
 * <p>Thread rules: one test thread.
 */
final class EdgeProcess {
    private static final Pattern EPOCH = Pattern.compile("\"epoch\":(\\d+)");

    private final Process process;
    private final Path stderr;
    private final long epoch;

    private EdgeProcess(Process process, Path stderr, long epoch) {
        this.process = process;
        this.stderr = stderr;
        this.epoch = epoch;
    }

    /** Starts {@code EdgeMain --config config} and waits (bounded) for its ready line. */
    static EdgeProcess start(Path config, Path stderr) throws Exception {
        Process p = new ProcessBuilder(ChildJvms.command("96m", EdgeMain.class, "--config", config.toString()))
                .redirectError(stderr.toFile())
                .start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line;
        try {
            line = CompletableFuture.supplyAsync(() -> readReady(out)).get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            p.toHandle().destroyForcibly();
            throw new AssertionError("edge child not ready: " + e + "; stderr: " + Files.readString(stderr), e);
        }
        Matcher m = EPOCH.matcher(line == null ? "" : line);
        if (!m.find()) {
            p.toHandle().destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
            throw new AssertionError(
                    "edge child exited before ready (" + line + "); stderr: " + Files.readString(stderr));
        }
        return new EdgeProcess(p, stderr, Long.parseLong(m.group(1)));
    }

    private static String readReady(BufferedReader out) {
        try {
            for (String l = out.readLine(); l != null; l = out.readLine()) {
                if (l.contains("\"event\":\"ready\"")) {
                    return l;
                }
            }
            return null;
        } catch (IOException e) {
            return null;
        }
    }

    /** Writes a flat YAML config file. */
    static Path config(Path file, List<String> lines) throws IOException {
        Files.write(file, lines, StandardCharsets.UTF_8);
        return file;
    }

    long epoch() {
        return epoch;
    }

    String log() throws IOException {
        return Files.readString(stderr);
    }

    /** SIGKILL: no shutdown hook, no close, no flush. */
    void kill() throws InterruptedException {
        process.toHandle().destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new AssertionError("edge child survived SIGKILL");
        }
    }

    /** SIGTERM: the shutdown hook closes the agent cleanly. */
    void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.toHandle().destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }
}
