package io.tributary.bench;

import io.tributary.bench.pipeline.ChildJvm;
import io.tributary.testsupport.MosquittoBroker;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A broker under test of {@code bench pubsub}, started fresh for each phase on the broker CPU: the edge agent alone (a
 * child JVM with its own data directory, no hub: its forwarder keeps retrying a closed port, and the bench's topics,
 * {@code local/...}, are not forwarded anyway) or Mosquitto with {@link MosquittoBroker}'s config (as {@code bench
 * edge} runs it).
 *
 * @param key {@code edge} or {@code mosq}
 * @param jvm whether it is a JVM (its heap can be read)
 * @param metricsPort the edge's /metrics port on loopback; -1 for Mosquitto
 * @param stop stops it
 */
record PubSubBroker(String key, int port, long pid, boolean jvm, int metricsPort, Runnable stop)
        implements AutoCloseable {

    /**
     * The sum over all series of counter {@code name} on the edge's /metrics (e.g. every drop reason); -1 for
     * Mosquitto or when the scrape fails.
     */
    double counter(String name) {
        if (metricsPort <= 0) {
            return -1;
        }
        try {
            return LatencyBudget.sum(LatencyBudget.get(metricsPort), name);
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** Java heap in use after a full GC, in bytes (the edge, with {@code jcmd}); -1 for Mosquitto or when unread. */
    long heapAfterGc() {
        return jvm ? heapAfterGc(pid) : -1;
    }

    /** Stops the broker (SIGTERM, then SIGKILL after 10 s). */
    @Override
    public void close() {
        stop.run();
    }

    /** Starts a broker of one kind ({@code key}: {@code edge} or {@code mosq}, its JSON prefix) for each phase. */
    record Starter(String key, Start start) {}

    /** Starts a fresh broker for one phase, named for its data directory and log. */
    @FunctionalInterface
    interface Start {
        PubSubBroker start(String phase) throws IOException;
    }

    /**
     * The edge agent: {@code jvmOptions}, data and log under {@code dir/edge-<phase>}, at most {@code maxSessions}
     * persistent sessions, forwarding only {@code tributary/#} (to a hub that is not there).
     */
    static Starter edge(Path dir, List<String> jvmOptions, int maxSessions, Pinning pinning) {
        return new Starter("edge", phase -> {
            Path home = Files.createDirectories(dir.resolve("edge-" + phase));
            Path config = home.resolve("edge.yaml");
            Files.writeString(
                    config,
                    "# Written by ./tributary bench pubsub: loopback only, no hub, the bench's local/ topics stay here.\n"
                            + "mqtt.host: 127.0.0.1\n"
                            + "metrics.host: 127.0.0.1\n"
                            + "mqtt.forward: 'tributary/#'\n"
                            + "mqtt.max-sessions: " + maxSessions + "\n"
                            + "backoff.initial: 1s\n"
                            + "backoff.max: 30s\n");
            List<String> args = new java.util.ArrayList<>(ChildJvm.edgeArgs(
                    config, home.resolve("data"), 0, List.of(closedPort()), EdgeRig.STREAM, "bench-pubsub"));
            args.set(args.indexOf("--metrics-port") + 1, "0"); // any free port: its drop counters are read per phase
            ChildJvm jvm = ChildJvm.start(
                    pinning.broker(),
                    ChildJvm.EDGE_MAIN,
                    args,
                    jvmOptions,
                    dir.resolve("logs").resolve("edge-" + phase + ".log"),
                    Duration.ofSeconds(90));
            return new PubSubBroker("edge", jvm.port(), jvm.pid(), true, jvm.metricsPort(), jvm::close);
        });
    }

    /** Mosquitto {@code bin}, config and log under {@code dir/mosquitto-<phase>}. */
    static Starter mosquitto(Path bin, Path dir, Pinning pinning) {
        return new Starter("mosq", phase -> {
            MosquittoBroker broker = MosquittoBroker.start(bin, dir.resolve("mosquitto-" + phase), pinning.broker());
            return new PubSubBroker("mosq", broker.port(), broker.pid(), false, -1, broker::close);
        });
    }

    /** A loopback port nothing listens on (free a moment ago): the edge's hub endpoint, so that it needs no hub. */
    private static int closedPort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        }
    }

    /** {@code jcmd PID GC.run}, then {@link #usedHeapBytes} of {@code GC.heap_info}; -1 when jcmd is missing or fails. */
    private static long heapAfterGc(long pid) {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        if (!Files.isExecutable(jcmd) || jcmd(jcmd, pid, "GC.run") == null) {
            return -1;
        }
        String info = jcmd(jcmd, pid, "GC.heap_info");
        return info == null ? -1 : usedHeapBytes(info);
    }

    /**
     * The heap in use that {@code jcmd GC.heap_info} prints: the sum of its {@code total ..K, used ..K} lines (one for
     * G1, one per generation for the serial collector that a JVM pinned to one CPU picks); -1 when there is none.
     */
    static long usedHeapBytes(String heapInfo) {
        Matcher m = Pattern.compile("total \\d+K, used (\\d+)K").matcher(heapInfo);
        long used = -1;
        while (m.find()) {
            used = Math.max(used, 0) + Long.parseLong(m.group(1)) * 1024;
        }
        return used;
    }

    private static String jcmd(Path jcmd, long pid, String command) {
        try {
            Process p = new ProcessBuilder(jcmd.toString(), String.valueOf(pid), command)
                    .redirectErrorStream(true)
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0 ? out : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
