package io.tributary.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.hub.cli.HubMain;
import io.tributary.testsupport.ChildJvms;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/** Hub child processes for the crash and lock tests: command line, start-and-wait-for-ready, a free port. */
public final class HubProcesses {
    private HubProcesses() {}

    /** {@code ./tributary hub} on {@code data} and {@code port}, without metrics port, in a 96 MiB child JVM. */
    public static List<String> hub(Path data, int port, String hubId, String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of(
                "--data-dir",
                data.toString(),
                "--port",
                Integer.toString(port),
                "--metrics-port",
                "-1",
                "--hub-id",
                hubId));
        args.addAll(List.of(extra));
        return ChildJvms.command("96m", HubMain.class, args.toArray(String[]::new));
    }

    /**
     * Starts {@link #hub} (one I/O thread) with its stderr appended to {@code stderr} and waits until it printed its
     * ready line; the caller kills it.
     */
    public static Process startHub(Path data, int port, String hubId, Path stderr, String... extra) {
        ProcessBuilder pb = new ProcessBuilder(hub(data, port, hubId, extra))
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
