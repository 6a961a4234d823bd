package io.tributary.bench.pipeline;

import io.tributary.edge.EdgeMain;
import io.tributary.hub.cli.HubMain;
import io.tributary.testsupport.ChildJvms;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A Tributary role (hub, edge agent) run as a child JVM with this process's class path, so benchmarks and the demo can
 * measure and kill it separately. The child prints one JSON {@code "event":"ready"} line with its ports on stdout;
 * its logs (stderr) go to a file. Not thread-safe.
 */
public final class ChildJvm implements AutoCloseable {
    private static final Pattern PORT = Pattern.compile("\"port\":(\\d+)");
    private static final Pattern METRICS_PORT = Pattern.compile("\"metrics_port\":(\\d+)");

    private final Process process;
    private final String readyLine;

    private ChildJvm(Process process, String readyLine) {
        this.process = process;
        this.readyLine = readyLine;
    }

    /** {@code ./tributary hub}'s main class. */
    public static final String HUB_MAIN = HubMain.class.getName();

    /** {@code ./tributary edge}'s main class. */
    public static final String EDGE_MAIN = EdgeMain.class.getName();

    /**
     * {@code ./tributary hub} arguments: data in {@code dataDir}, loopback {@code port} (0 for a free one), no metrics
     * port, then {@code extra}.
     */
    public static List<String> hubArgs(Path dataDir, int port, String... extra) {
        List<String> args = new ArrayList<>(List.of(
                "--data-dir",
                dataDir.toString(),
                "--host",
                "127.0.0.1",
                "--port",
                String.valueOf(port),
                "--metrics-port",
                "-1"));
        args.addAll(List.of(extra));
        return args;
    }

    /**
     * {@code ./tributary edge} arguments: {@code config} with data in {@code dataDir}, MQTT on loopback
     * {@code mqttPort} (0 for a free one) for anonymous devices, forwarding to {@code stream} at the loopback hubs on
     * {@code hubPorts} (in order of preference) as {@code agentId}, no metrics port.
     */
    public static List<String> edgeArgs(
            Path config, Path dataDir, int mqttPort, List<Integer> hubPorts, String stream, String agentId) {
        return List.of(
                "--config",
                config.toString(),
                "--data-dir",
                dataDir.toString(),
                "--mqtt-port",
                String.valueOf(mqttPort),
                "--hub",
                hubPorts.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(",")),
                "--stream",
                stream,
                "--agent-id",
                agentId,
                "--metrics-port",
                "-1",
                "--allow-anonymous");
    }

    /** Starts {@code mainClass args} and waits for its ready line. */
    public static ChildJvm start(
            String mainClass, List<String> args, List<String> jvmOptions, Path log, Duration timeout)
            throws IOException {
        return start(List.of(), mainClass, args, jvmOptions, log, timeout);
    }

    /**
     * Starts {@code prefix java ... mainClass args} and waits for its ready line; {@code prefix} is a command that
     * execs the rest in the same process, such as {@code taskset -c 0} (so {@link #pid} is the JVM's).
     */
    public static ChildJvm start(
            List<String> prefix,
            String mainClass,
            List<String> args,
            List<String> jvmOptions,
            Path log,
            Duration timeout)
            throws IOException {
        List<String> options = new ArrayList<>();
        String logback = System.getProperty("logback.configurationFile");
        if (logback != null) {
            options.add("-Dlogback.configurationFile=" + logback);
        }
        options.addAll(jvmOptions);
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(ChildJvms.command(options, mainClass, args));
        Files.createDirectories(log.toAbsolutePath().getParent());
        Process p = new ProcessBuilder(cmd)
                .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<String> ready = CompletableFuture.supplyAsync(() -> {
            try {
                String line;
                while ((line = out.readLine()) != null) {
                    if (line.contains("\"event\":\"ready\"")) {
                        return line;
                    }
                }
                return null;
            } catch (IOException e) {
                return null;
            }
        });
        String line;
        try {
            line = ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            line = null;
        }
        if (line == null) {
            p.destroyForcibly();
            throw new IOException(mainClass + " did not become ready within " + timeout + "; see " + log);
        }
        // Keep draining stdout so the child never blocks on a full pipe.
        CompletableFuture.runAsync(() -> {
            try {
                while (out.readLine() != null) {
                    // discard
                }
            } catch (IOException ignored) {
                // the child exited
            }
        });
        return new ChildJvm(p, line);
    }

    /** The {@code port} field of the ready line. */
    public int port() {
        Matcher m = PORT.matcher(readyLine);
        if (!m.find()) {
            throw new IllegalStateException("no port in " + readyLine);
        }
        return Integer.parseInt(m.group(1));
    }

    /** The {@code metrics_port} field of the ready line: the port of /metrics and /health; -1 when it has none. */
    public int metricsPort() {
        Matcher m = METRICS_PORT.matcher(readyLine);
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }

    public long pid() {
        return process.pid();
    }

    /** CPU time (user + system) the child has used so far, from /proc; -1 where unavailable. */
    public double cpuSeconds() {
        return ProcStats.cpuSeconds(process.pid());
    }

    /** Resident memory of the child in bytes, from /proc; -1 where unavailable. */
    public long residentBytes() {
        return ProcStats.residentBytes(process.pid());
    }

    /** SIGKILL. */
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** SIGTERM, then SIGKILL if it has not exited in 10 s. */
    @Override
    public void close() {
        ChildJvms.stop(process);
    }
}
