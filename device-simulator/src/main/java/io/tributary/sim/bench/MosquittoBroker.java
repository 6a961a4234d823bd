package io.tributary.sim.bench;

import java.io.IOException;
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
 * A Mosquitto broker (the Debian package; it acknowledges QoS 1 without fsync) on a free loopback port with a
 * temporary config, anonymous, no persistence, TCP_NODELAY as the edge agent has, pinned like the edge agent. Close stops it. Not thread-safe.
 */
final class MosquittoBroker implements AutoCloseable {
    private final Process process;
    private final int port;

    private MosquittoBroker(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** Starts {@code mosquitto} with a config written to {@code dir}; waits (at most 15 s) until it accepts. */
    static MosquittoBroker start(Path executable, Path dir, List<String> prefix) throws IOException {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        Files.createDirectories(dir);
        Path config = dir.resolve("mosquitto.conf");
        Files.writeString(
                config,
                "# Written by ./tributary bench edge\n"
                        + "listener " + port + " 127.0.0.1\n"
                        + "allow_anonymous true\n"
                        + "persistence false\n"
                        + "max_connections -1\n"
                        // Like the edge agent (Netty's default): without it Nagle holds the small PUBACKs and
                        // Mosquitto measured 2-3x slower here, idle part of the time.
                        + "set_tcp_nodelay true\n"
                        + "log_dest stderr\n");
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(List.of(executable.toString(), "-c", config.toString()));
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(
                        dir.resolve("mosquitto.log").toFile()))
                .start();
        MosquittoBroker broker = new MosquittoBroker(p, port);
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

    int port() {
        return port;
    }

    long pid() {
        return process.pid();
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
