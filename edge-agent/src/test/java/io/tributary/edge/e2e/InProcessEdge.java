package io.tributary.edge.e2e;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.tributary.edge.EdgeAgent;
import io.tributary.edge.config.EdgeConfig;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** Starts an {@link EdgeAgent} in this JVM towards a {@link RealHub} and reads its buffer meters. Test thread only. */
final class InProcessEdge {
    private InProcessEdge() {}

    static EdgeAgent start(Path dataDir, RealHub hub, Map<String, String> extra) throws Exception {
        return start(dataDir, hub.endpoint(), extra);
    }

    /** An edge towards {@code hubEndpoints} (e.g. a fault proxy in front of the hub). */
    static EdgeAgent start(Path dataDir, String hubEndpoints, Map<String, String> extra) throws Exception {
        Map<String, String> flags = new HashMap<>(Map.of(
                "data-dir", dataDir.toString(),
                "mqtt.host", "127.0.0.1",
                "mqtt.port", "0",
                "mqtt.allow-anonymous", "true",
                "mqtt.io-threads", "1",
                "hub.endpoints", hubEndpoints,
                "stream", RealHub.STREAM,
                "metrics.port", "-1",
                "backoff.initial", "20ms",
                "backoff.max", "200ms"));
        flags.putAll(extra);
        return new EdgeAgent(EdgeConfig.load(Optional.empty(), Map.of(), flags), Clock.systemUTC()).start();
    }

    static String mqttUri(EdgeAgent agent) {
        return "tcp://127.0.0.1:" + agent.mqttAddress().orElseThrow().getPort();
    }

    /** The loss ledger entry for {@code reason} (expired, dropped, rolled_up, rejected). */
    static long lost(EdgeAgent agent, String reason) {
        FunctionCounter c = agent.registry()
                .find("tributary.edge.buffer.lost")
                .tag("reason", reason)
                .functionCounter();
        return c == null ? -1 : (long) c.count();
    }

    /** Records still stored in the buffer (0 once everything was acknowledged by the hub and released). */
    static long buffered(EdgeAgent agent) {
        Gauge g = agent.registry().find("tributary.edge.buffer.records").gauge();
        return g == null ? -1 : (long) g.value();
    }
}
