package io.tributary.sim.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.sim.RecordingEdge;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code sim} command end to end against the in-process edge: exit codes, JSON line and HTML report. */
class SimReportIT {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        SimMain main = new SimMain(
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return main.execute(args);
    }

    @Test
    void cliRunWithReport_threeSeconds_reportHasPlotsAndDataAndJsonLineOnStdout(@TempDir Path dir) throws Exception {
        Path report = dir.resolve("run.html");
        try (RecordingEdge edge = new RecordingEdge()) {
            int code = run(
                    "--mqtt", "127.0.0.1:" + edge.port(),
                    "--username", RecordingEdge.USER,
                    "--password", RecordingEdge.PASSWORD,
                    "--devices", "50",
                    "--groups", "5",
                    "--rate", "500",
                    "--duration", "3",
                    "--profile", "ramp",
                    "--ramp-from", "100",
                    "--io-threads", "1",
                    "--report", report.toString());
            assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isZero();
        }
        String stdout = out.toString(StandardCharsets.UTF_8).strip();
        assertThat(stdout.lines()).hasSize(1);
        assertThat(stdout).startsWith("{\"type\":\"tributary-sim-summary\",\"verdict\":\"PASS\"");
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("pub ", "ack p50", "Tributary simulator: PASS");

        String html = Files.readString(report);
        assertThat(html).contains("<svg", "Throughput", "Acknowledgement latency per second", "polyline");
        assertThat(html).doesNotContain("http://", "https://cdn", "<script src");
        int data = html.indexOf("<script type=\"application/json\" id=\"tributary-data\">");
        assertThat(data).isPositive();
        String json = html.substring(data, html.indexOf("</script>", data));
        assertThat(json).contains("\"seconds\":[[1,", "\"summary\":{\"type\":\"tributary-sim-summary\"");
    }

    @Test
    void usageErrors_exitTwo() {
        assertThat(run("--qos", "3", "--duration", "1")).isEqualTo(2);
        assertThat(run("--no-such-flag")).isEqualTo(2);
        assertThat(run("--mqtt", "nohost")).isEqualTo(2);
        assertThat(run("--verify", "--duration", "1")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--verify needs --hub");
        assertThat(run("--verify", "--hub", "127.0.0.1:1", "--stream", "s", "--duration", "1"))
                .isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("cannot verify");
    }

    @Test
    void help_describesFlags_exitZero() {
        assertThat(run("--help")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("--devices", "--skew", "--churn", "Exit codes");
    }

    @Test
    void nobodyListening_exitOne() throws Exception {
        int port;
        try (var socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        assertThat(run("--mqtt", "127.0.0.1:" + port, "--devices", "2", "--groups", "1", "--count", "5", "--json-only"))
                .isEqualTo(1);
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("\"verdict\":\"FAIL\"", "no device could connect");
    }
}
