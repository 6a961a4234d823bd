package io.tributary.hub.store.pulsar.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.protocol.cli.Cli;
import io.tributary.testsupport.ChildJvms;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./tributary pulsar-standalone}: usage errors, a busy port, and a broker started, used and stopped. */
class PulsarStandaloneMainIT {
    @TempDir
    Path dir;

    private Process child;

    @AfterEach
    void stopChild() {
        if (child != null) {
            child.descendants().forEach(ProcessHandle::destroyForcibly);
            child.destroyForcibly();
        }
    }

    @Test
    void usageErrors_exitTwo() {
        assertThat(run()).isEqualTo(2); // --data-dir is required
        assertThat(run("--data-dir", dir.toString(), "--heap", "lots")).isEqualTo(2);
        assertThat(run("--data-dir", dir.toString(), "--port", "70000")).isEqualTo(2);
        assertThat(run("--data-dir", dir.toString(), "--cluster", "east/1")).isEqualTo(2);
        assertThat(run("--help")).isZero();
    }

    @Test
    void busyPort_isRefusedWithExitOne_beforeAnythingStarts() throws IOException {
        try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            PrintStream before = System.err;
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            try {
                assertThat(run("--data-dir", dir.toString(), "--port", Integer.toString(busy.getLocalPort())))
                        .isEqualTo(1);
            } finally {
                System.setErr(before);
            }
            assertThat(err.toString(StandardCharsets.UTF_8))
                    .contains("port " + busy.getLocalPort() + " on 127.0.0.1 is in use");
        }
    }

    @Test
    void startsABroker_refusesASecondOnTheSameDir_andStopsItOnSigterm() throws Exception {
        List<String> classPathCheck = io.tributary.hub.store.pulsar.PulsarStandaloneAccess.classPathOrSkip();
        assertThat(classPathCheck).isNotEmpty();
        int port = free();
        int http = free();
        int bookie = free();
        Path home = Path.of(System.getProperty("tributary.mavenWrapper", "../../mvnw"))
                .toAbsolutePath()
                .getParent();
        Path data = dir.resolve("pulsar");
        child = new ProcessBuilder(ChildJvms.command(
                        List.of("-Xmx64m", "-Dtributary.home=" + home),
                        PulsarStandaloneMain.class.getName(),
                        List.of(
                                "--data-dir", data.toString(),
                                "--port", Integer.toString(port),
                                "--http-port", Integer.toString(http),
                                "--bookie-port", Integer.toString(bookie),
                                "--heap", "128m",
                                "--cluster", "main-it")))
                .redirectErrorStream(true)
                .start();
        List<String> out = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r =
                    new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    out.add(line);
                }
            } catch (IOException e) {
                out.add("read failed: " + e);
            }
        });
        reader.setDaemon(true);
        reader.start();

        await("ready line, output " + out).atMost(Duration.ofMinutes(3)).until(() -> {
            assertThat(child.isAlive()).as("launcher alive, output %s", out).isTrue();
            return out.stream()
                    .anyMatch(l -> l.startsWith(
                            "Pulsar standalone ready: cluster main-it, service URL pulsar://127.0.0.1:" + port));
        });
        HttpResponse<String> clusters = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http + "/admin/v2/clusters"))
                                .timeout(Duration.ofSeconds(10))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(clusters.statusCode()).isEqualTo(200);
        assertThat(clusters.body()).as("the cluster named by --cluster").isEqualTo("[\"main-it\"]");

        // A second broker on the same data would corrupt it: refused by the directory lock.
        assertThat(run(
                        "--data-dir",
                        data.toString(),
                        "--port",
                        Integer.toString(free()),
                        "--http-port",
                        Integer.toString(free()),
                        "--bookie-port",
                        Integer.toString(free())))
                .isEqualTo(1);

        List<ProcessHandle> brokers = child.descendants().toList();
        assertThat(brokers).as("the broker runs as a child process").isNotEmpty();
        child.destroy(); // SIGTERM: the launcher stops its broker before it exits
        assertThat(child.waitFor(60, TimeUnit.SECONDS))
                .as("launcher exits, output %s", out)
                .isTrue();
        await().atMost(Duration.ofSeconds(30)).until(() -> brokers.stream().noneMatch(ProcessHandle::isAlive));
    }

    private int run(String... args) {
        return Cli.execute("pulsar-standalone", new PulsarStandaloneMain(), args);
    }

    private static int free() throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        }
    }
}
