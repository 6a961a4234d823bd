package io.tributary.testsupport;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A Mosquitto broker (the Debian package; it acknowledges QoS 1 without fsync) child process on a free loopback port
 * with a config written to a directory: anonymous, no persistence, no connection limit, TCP_NODELAY as the edge agent
 * has. The edge agent's bridge tests use it as the upstream broker, {@code ./tributary bench edge} as the baseline to
 * compare the edge agent with. Close stops it. Not thread-safe.
 */
public final class MosquittoBroker implements AutoCloseable {
    /** Where Debian's {@code mosquitto} package installs the broker. */
    public static final Path DEBIAN_BINARY = Path.of("/usr/sbin/mosquitto");

    private final Process process;
    private final int port;

    private MosquittoBroker(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** Whether {@link #DEBIAN_BINARY} is installed. */
    public static boolean installed() {
        return Files.isExecutable(DEBIAN_BINARY);
    }

    /** Starts {@link #DEBIAN_BINARY} with its config and log in {@code dir}. */
    public static MosquittoBroker start(Path dir) throws IOException {
        return start(DEBIAN_BINARY, dir, List.of());
    }

    /** Starts {@link #DEBIAN_BINARY} with its config, plus {@code extraConfig} lines, and log in {@code dir}. */
    public static MosquittoBroker start(Path dir, List<String> extraConfig) throws IOException {
        return start(DEBIAN_BINARY, dir, List.of(), extraConfig);
    }

    /**
     * Starts {@code prefix executable -c dir/mosquitto.conf} (the log goes to {@code dir/mosquitto.log}) and waits, at
     * most 15 s, until it accepts connections. {@code prefix} is a command that execs the rest in the same process,
     * such as {@code taskset -c 1} (so {@link #pid} is the broker's).
     */
    public static MosquittoBroker start(Path executable, Path dir, List<String> prefix) throws IOException {
        return start(executable, dir, prefix, List.of());
    }

    private static MosquittoBroker start(Path executable, Path dir, List<String> prefix, List<String> extraConfig)
            throws IOException {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        Files.createDirectories(dir);
        Path config = dir.resolve("mosquitto.conf");
        Files.writeString(
                config,
                "# Written by io.tributary.testsupport.MosquittoBroker\n"
                        + "listener " + port + " 127.0.0.1\n"
                        + "allow_anonymous true\n"
                        + "persistence false\n"
                        + "max_connections -1\n"
                        // Like the edge agent (Netty's default): without it Nagle holds the small PUBACKs and
                        // Mosquitto measured 2-3x slower here, idle part of the time.
                        + "set_tcp_nodelay true\n"
                        + "log_dest stderr\n"
                        + String.join("\n", extraConfig)
                        + "\n");
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(List.of(executable.toString(), "-c", config.toString()));
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(
                        dir.resolve("mosquitto.log").toFile()))
                .start();
        MosquittoBroker broker = new MosquittoBroker(p, port);
        // A bounded readiness poll rather than Awaitility: the benchmarks (main code) start brokers too.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (!broker.accepts()) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                broker.close();
                throw new IOException(
                        "mosquitto did not start on port " + port + "; see " + dir.resolve("mosquitto.log"));
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
        return broker;
    }

    private boolean accepts() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    public int port() {
        return port;
    }

    /** {@code tcp://127.0.0.1:<port>}, for MQTT clients. */
    public String url() {
        return "tcp://127.0.0.1:" + port;
    }

    public long pid() {
        return process.pid();
    }

    /** SIGTERM, then SIGKILL if it has not exited in 10 s ({@link ChildJvms#stop}). */
    @Override
    public void close() {
        ChildJvms.stop(process);
    }
}
