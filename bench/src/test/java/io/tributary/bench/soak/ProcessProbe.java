package io.tributary.bench.soak;

import io.tributary.bench.pipeline.ProcStats;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The figures of one child JVM the soak run samples: heap after a full GC, RSS, open descriptors, threads, its data
 * directory's size, and sums of series from its /metrics. Each figure is -1 (NaN for metrics) when it cannot be read,
 * which the flatness rule counts as a failure. Threads: one sampling thread.
 */
final class ProcessProbe {
    private static final Path JDK_BIN = Path.of(System.getProperty("java.home"), "bin");
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final long pid;
    private final Path dataDir;
    private final int metricsPort;

    ProcessProbe(long pid, Path dataDir, int metricsPort) {
        this.pid = pid;
        this.dataDir = dataDir;
        this.metricsPort = metricsPort;
    }

    /**
     * Bytes of live objects on the heap, from the {@code Total} line of {@code jcmd PID GC.class_histogram}, which
     * runs a full collection first and counts in the same safepoint: the heap right after a full GC. (A
     * {@code GC.run} followed by {@code jstat} was noise: eden refills in the second between the two at a few thousand
     * records a second.) Once a minute it costs the child a full collection of a small heap.
     */
    long heapAfterGcBytes() {
        String out = run(List.of(JDK_BIN.resolve("jcmd").toString(), String.valueOf(pid), "GC.class_histogram"));
        if (out == null) {
            return -1;
        }
        for (String line : out.strip().split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 3 && f[0].equals("Total")) {
                return Long.parseLong(f[2]);
            }
        }
        return -1;
    }

    long residentBytes() {
        return ProcStats.residentBytes(pid);
    }

    long openFiles() {
        return ProcStats.openFiles(pid);
    }

    /** Open descriptors on files under the data directory: the stores' own files, which follow what is retained. */
    long dataFiles() {
        return ProcStats.openFilesUnder(pid, dataDir);
    }

    long threads() {
        return ProcStats.threads(pid);
    }

    /** Bytes of the regular files under the data directory (segments deleted meanwhile are skipped). */
    long diskBytes() {
        try (Stream<Path> files = Files.walk(dataDir)) {
            return files.mapToLong(ProcessProbe::sizeIfFile).sum();
        } catch (IOException | UncheckedIOException e) {
            return -1;
        }
    }

    private static long sizeIfFile(Path p) {
        try {
            return Files.isRegularFile(p) ? Files.size(p) : 0;
        } catch (NoSuchFileException e) {
            return 0; // retention deleted it between the listing and the stat
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The sum of every series named {@code name} on the child's /metrics; NaN when none or unreachable. */
    double metricSum(String name) {
        if (metricsPort <= 0) {
            return Double.NaN;
        }
        String body;
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
                    .timeout(Duration.ofSeconds(10))
                    .build();
            body = HTTP.send(request, HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            return Double.NaN;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Double.NaN;
        }
        return sumSeries(body, name);
    }

    /** Sums the samples of {@code name} (with any labels) in a Prometheus text exposition; NaN when there are none. */
    static double sumSeries(String exposition, String name) {
        double sum = 0;
        boolean found = false;
        for (String line : exposition.split("\n")) {
            if (line.startsWith(name) && line.length() > name.length()) {
                char next = line.charAt(name.length());
                if (next == '{' || next == ' ') {
                    double v = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                    if (!Double.isNaN(v)) {
                        sum += v;
                        found = true;
                    }
                }
            }
        }
        return found ? sum : Double.NaN;
    }

    /** Runs a JDK tool; its output, or null when it failed or took over 30 s. */
    private static String run(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                System.err.println("soak: " + command + " failed: " + new String(out, StandardCharsets.UTF_8));
                return null;
            }
            return new String(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            System.err.println("soak: " + command + " failed: " + e);
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
