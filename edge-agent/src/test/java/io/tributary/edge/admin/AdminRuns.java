package io.tributary.edge.admin;

import io.tributary.edge.EdgeAgent;
import io.tributary.edge.config.EdgeConfig;
import io.tributary.edge.forward.FakeHub;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** What the edge-admin ITs share: an agent on loopback with free ports, and a run of the CLI. Stateless. */
final class AdminRuns {
    private AdminRuns() {}

    /** One run of {@code edge-admin}: exit status and what it printed. */
    record Run(int status, String out, String err) {}

    static Run admin(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = EdgeAdminMain.run(
                args,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** A started agent named {@code agentId} keeping its data in {@code dir}, forwarding to {@code hub}. */
    static EdgeAgent startAgent(String agentId, Path dir, FakeHub hub, Map<String, String> more) throws Exception {
        Map<String, String> values = new HashMap<>(Map.of(
                "agent-id", agentId,
                "data-dir", dir.resolve("edge").toString(),
                "mqtt.host", "127.0.0.1",
                "mqtt.port", "0",
                "mqtt.allow-anonymous", "true",
                "mqtt.io-threads", "1",
                "hub.endpoints", hub.address(),
                "metrics.host", "127.0.0.1",
                "metrics.port", "0"));
        values.putAll(more);
        return new EdgeAgent(EdgeConfig.load(Optional.empty(), Map.of(), values), Clock.systemUTC()).start();
    }
}
