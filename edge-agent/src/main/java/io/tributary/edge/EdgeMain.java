package io.tributary.edge;

import io.tributary.edge.config.EdgeConfig;
import io.tributary.protocol.cli.Cli;
import io.tributary.protocol.config.ConfigException;
import io.tributary.protocol.config.ConfigValues;
import io.tributary.protocol.json.Json;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.ListResourceBundle;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./tributary edge}: runs an edge agent until SIGTERM/SIGINT. Exit codes: 0 stopped, 1 failed, 2 bad config. */
@Command(
        name = "edge",
        mixinStandardHelpOptions = true,
        description = "Runs the Tributary edge agent: MQTT in, durable buffer, forwarding to the hub.")
public final class EdgeMain implements Callable<Integer> {

    @Option(names = "--config", description = "YAML config file (keys: see --print-config-keys).")
    Path config;

    @Option(
            names = "--mqtt-port",
            description =
                    "Plain MQTT port (mqtt.port; default ${bundle:default.mqtt.port}, on ${bundle:default.mqtt.host}).")
    Integer mqttPort;

    @Option(names = "--data-dir", description = "Buffer directory (data-dir; default ${bundle:default.data-dir}).")
    Path dataDir;

    @Option(
            names = "--hub",
            description = "HOST:PORT[,HOST:PORT...] in order of preference (hub.endpoints; default"
                    + " ${bundle:default.hub.endpoints}).")
    String hub;

    @Option(names = "--stream", description = "Hub stream (stream; default ${bundle:default.stream}).")
    String stream;

    @Option(names = "--agent-id", description = "Stable agent id (agent-id; default ${bundle:default.agent-id}).")
    String agentId;

    @Option(
            names = "--allow-anonymous",
            description = "Accept MQTT clients without user name and password (mqtt.allow-anonymous; default"
                    + " ${bundle:default.mqtt.allow-anonymous}).")
    boolean allowAnonymous;

    @Option(
            names = "--metrics-port",
            description = "Port of /metrics and /health, -1 disables (metrics.port; default"
                    + " ${bundle:default.metrics.port}, on ${bundle:default.metrics.host}).")
    Integer metricsPort;

    @Option(names = "--print-config-keys", description = "Print every config key as a Markdown table and exit.")
    boolean printKeys;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /**
     * The edge's command line. Its flags have no picocli defaults (a flag given beats the config file, which beats the
     * built-in default), so --help shows each config key's built-in default, taken from {@link EdgeConfig#SCHEMA}.
     */
    static CommandLine commandLine() {
        CommandLine cl = Cli.commandLine("edge", new EdgeMain());
        Object[][] defaults = EdgeConfig.SCHEMA.stream()
                .map(k -> new Object[] {"default." + k.name(), k.defaultValue()})
                .toArray(Object[][]::new);
        cl.setResourceBundle(new ListResourceBundle() {
            @Override
            protected Object[][] getContents() {
                return defaults;
            }
        });
        return cl;
    }

    @Override
    public Integer call() throws Exception {
        if (printKeys) {
            System.out.print(ConfigValues.markdown(EdgeConfig.SCHEMA, EdgeConfig.ENV_PREFIX));
            return 0;
        }
        Map<String, String> flags = new LinkedHashMap<>();
        put(flags, "mqtt.port", mqttPort);
        put(flags, "data-dir", dataDir);
        put(flags, "hub.endpoints", hub);
        put(flags, "stream", stream);
        put(flags, "agent-id", agentId);
        put(flags, "metrics.port", metricsPort);
        if (allowAnonymous) {
            flags.put("mqtt.allow-anonymous", "true");
        }
        EdgeConfig cfg;
        try {
            cfg = EdgeConfig.load(Optional.ofNullable(config), System.getenv(), flags);
        } catch (ConfigException e) {
            System.err.println("tributary edge: " + e.getMessage());
            return 2;
        }
        EdgeAgent agent = new EdgeAgent(cfg, Clock.systemUTC()).start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            agent.close();
                            stopped.countDown();
                        },
                        "tributary-edge-shutdown"));
        // One machine-readable line for scripts and the demo: the ports actually bound.
        System.out.println(Json.write(g -> {
            g.writeStartObject();
            g.writeStringField("event", "ready");
            g.writeStringField("role", "edge");
            // numbers or null
            g.writeObjectField(
                    "port", agent.mqttAddress().map(InetSocketAddress::getPort).orElse(null));
            g.writeObjectField(
                    "metrics_port",
                    agent.metricsAddress().map(InetSocketAddress::getPort).orElse(null));
            g.writeStringField("agent_id", cfg.agentId());
            g.writeNumberField("epoch", agent.epoch());
            g.writeEndObject();
        }));
        System.out.flush();
        stopped.await();
        return 0;
    }

    private static void put(Map<String, String> flags, String key, Object value) {
        if (value != null) {
            flags.put(key, value.toString());
        }
    }
}
