package io.tributary.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.hub.cli.HubMain;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/** Command lines of child JVMs that the hub's crash tests start (and SIGKILL) on the tests' own class path. */
public final class ChildJvms {
    private ChildJvms() {}

    /**
     * {@code java -Xmx<maxHeap> <quick-start flags> -cp <this class path> main args...}: a small heap, the C1 compiler
     * only and the serial collector, so that a child is up quickly, and no hsperfdata file left by a killed child.
     */
    public static List<String> command(String maxHeap, Class<?> main, String... args) {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + maxHeap,
                "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC",
                "-XX:-UsePerfData",
                "-cp",
                System.getProperty("java.class.path"),
                main.getName()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** {@code ./tributary hub} on {@code data} and {@code port}, without metrics port, in a 96 MiB child JVM. */
    public static List<String> hub(Path data, int port, String hubId) {
        return command(
                "96m",
                HubMain.class,
                "--data-dir",
                data.toString(),
                "--port",
                Integer.toString(port),
                "--metrics-port",
                "-1",
                "--hub-id",
                hubId);
    }

    /**
     * Starts {@link #hub} (one I/O thread) with its stderr appended to {@code stderr} and waits until it printed its
     * ready line; the caller kills it.
     */
    public static Process startHub(Path data, int port, String hubId, Path stderr) {
        ProcessBuilder pb = new ProcessBuilder(hub(data, port, hubId))
                .redirectError(ProcessBuilder.Redirect.appendTo(stderr.toFile()));
        pb.environment().put("TRIBUTARY_HUB_IO_THREADS", "1");
        Process child;
        try {
            child = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        AtomicBoolean ready = new AtomicBoolean();
        Thread reader = new Thread(
                () -> {
                    try (BufferedReader in =
                            new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                        for (String line = in.readLine(); line != null; line = in.readLine()) {
                            if (line.contains("\"event\":\"ready\"")) {
                                ready.set(true);
                            }
                        }
                    } catch (IOException e) {
                        // The pipe breaks when the child is killed.
                    }
                },
                "child-hub-stdout-" + hubId);
        reader.setDaemon(true);
        reader.start();
        try {
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(5))
                    .until(() -> ready.get() || !child.isAlive());
        } catch (RuntimeException e) {
            child.destroyForcibly();
            throw e;
        }
        assertThat(ready.get())
                .as("hub child %s printed its ready line (stderr: %s)", hubId, stderr)
                .isTrue();
        return child;
    }

    /** A port nobody listens on right now. */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
