package io.tributary.edge.config;

import io.tributary.edge.aggregate.AggregationRules;
import io.tributary.edge.bridge.BridgeConfig;
import io.tributary.edge.buffer.BufferConfig;
import io.tributary.edge.buffer.OverflowPolicy;
import io.tributary.edge.forward.ForwarderConfig;
import io.tributary.edge.mqtt.MqttServerConfig;
import io.tributary.edge.mqtt.SessionLimits;
import io.tributary.edge.mqtt.TlsConfig;
import io.tributary.edge.mqtt.TopicMapping;
import io.tributary.edge.mqtt.pubsub.TopicFilters;
import io.tributary.hub.client.core.ClientOptions;
import io.tributary.hub.client.core.HubEndpoint;
import io.tributary.protocol.config.ConfigKey;
import io.tributary.protocol.config.ConfigValues;
import io.tributary.protocol.v1.Codec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Everything an edge agent is configured with. Immutable; built by {@link #load} from defaults, a YAML file, {@code
 * TRIBUTARY_EDGE_*} environment variables and command-line flags, in rising precedence, with every problem reported at
 * once. {@code docs/configuration.md} is generated from {@link #SCHEMA}.
 *
 * @param dataDir where the buffer directory ({@code buffer/}) lives
 * @param agentId this agent's stable id (record ids, de-duplication at the hub)
 * @param mqtt the MQTT endpoint
 * @param credentialsFile MQTT users ({@code user:password} or {@code user:{sha256}hex} lines)
 * @param buffer the durable buffer
 * @param ttl how long a record may wait unsent; zero is forever
 * @param hub how to reach the hub
 * @param forwarder batching and flow control towards the hub
 * @param aggregation the aggregation rules
 * @param aggregationGrace how long a window stays open after its end for records still being committed
 * @param metricsHost bind address of /metrics and /health
 * @param metricsPort port of /metrics and /health; -1 disables
 * @param bridge the broker to subscribe to, if any (bridge mode)
 * @param mqttAccess the MQTT ACL file, certificate identity and limits
 */
public record EdgeConfig(
        Path dataDir,
        String agentId,
        MqttServerConfig mqtt,
        Optional<Path> credentialsFile,
        BufferConfig buffer,
        Duration ttl,
        ClientOptions hub,
        ForwarderConfig forwarder,
        AggregationRules aggregation,
        Duration aggregationGrace,
        String metricsHost,
        int metricsPort,
        Optional<BridgeConfig> bridge,
        MqttAccessSettings mqttAccess) {

    public static final String ENV_PREFIX = "TRIBUTARY_EDGE_";

    /** Every key, in the order of {@code docs/configuration.md}. */
    public static final List<ConfigKey> SCHEMA = EdgeConfigKeys.ALL;

    /** Resolves and validates a configuration; throws a {@code ConfigException} listing every problem. */
    public static EdgeConfig load(Optional<Path> file, Map<String, String> env, Map<String, String> flags) {
        ConfigValues v = ConfigValues.resolve(SCHEMA, file, env, ENV_PREFIX, flags);
        Path dataDir = Path.of(v.string("data-dir", "tributary-data/edge"));
        String agentId = v.string("agent-id", "edge-1");

        MqttServerConfig mqtt = mqtt(v, dataDir);
        Optional<Path> credentials = v.existingFile("mqtt.credentials-file");
        if (credentials.isEmpty() && !v.bool("mqtt.allow-anonymous")) {
            v.problem("mqtt.credentials-file", "is unset and mqtt.allow-anonymous is false: no client could connect");
        }

        long quota = v.sizeAtLeast("buffer.quota", 1 << 20);
        Duration aggWindow = v.positiveDuration("buffer.aggregate-window");
        BufferConfig buffer = BufferConfig.builder(dataDir.resolve("buffer"), agentId)
                .quotaBytes(Math.max(quota, 1))
                .overflowPolicy(v.enumValue("buffer.overflow-policy", OverflowPolicy.class))
                .aggregateWindow(aggWindow.toMillis() < 1 ? Duration.ofMinutes(1) : aggWindow)
                .segmentBytes(Math.max(1, v.sizeAtLeast("buffer.segment-size", 64 * 1024)))
                .diskReserveBytes(Math.max(0, v.sizeAtLeast("buffer.disk-reserve", 0)))
                .build();
        Duration ttl = v.nonNegativeDuration("buffer.ttl");

        ClientOptions hub = hub(v);
        ForwarderConfig forwarder = forwarder(v);
        AggregationRules rules = AggregationRules.none();
        try {
            rules = AggregationRules.parse(v.string("aggregation.rules", ""));
        } catch (IllegalArgumentException e) {
            v.problem("aggregation.rules", e.getMessage());
        }
        Duration grace = v.nonNegativeDuration("aggregation.grace");
        int metricsPort = v.portOrOff("metrics.port");
        Optional<BridgeConfig> bridge = bridge(v, agentId, mqtt.topicMapping());
        MqttAccessSettings access = MqttAccessSettings.load(v);
        v.validate();
        return new EdgeConfig(
                dataDir,
                agentId,
                mqtt,
                credentials,
                buffer,
                ttl.isNegative() ? Duration.ZERO : ttl,
                hub,
                forwarder,
                rules,
                grace.isNegative() ? Duration.ZERO : grace,
                v.string("metrics.host", "127.0.0.1"),
                metricsPort,
                bridge,
                access);
    }

    private static Optional<BridgeConfig> bridge(ConfigValues v, String agentId, TopicMapping mapping) {
        Optional<String> url = v.string("bridge.url");
        int qos = v.integer("bridge.qos");
        if (qos != 1 && qos != 2) {
            v.problem("bridge.qos", "must be 1 or 2");
        }
        List<String> topics = commaSeparated(v.string("bridge.topics", ""));
        String versionName = v.string("bridge.mqtt-version", "3.1.1");
        int version =
                switch (versionName) {
                    case "3.1.1" -> 4;
                    case "5" -> 5;
                    default -> {
                        v.problem("bridge.mqtt-version", "must be 3.1.1 or 5");
                        yield 0;
                    }
                };
        if (version == 5 && qos == 2) {
            v.problem("bridge.qos", BridgeConfig.QOS_WITH_MQTT5);
        }
        if (url.isEmpty()) {
            return Optional.empty();
        }
        if (!url.get().matches("(tcp|ssl|ws|wss)://.+")) {
            v.problem("bridge.url", "must look like tcp://HOST:PORT or ssl://HOST:PORT");
        }
        if (topics.isEmpty()) {
            v.problem("bridge.topics", "must name at least one topic filter");
            return Optional.empty();
        }
        if (qos != 1 && qos != 2 || version == 0 || version == 5 && qos == 2) {
            return Optional.empty();
        }
        return Optional.of(new BridgeConfig(
                url.get(),
                topics,
                v.string("bridge.client-id", "tributary-bridge-" + agentId),
                v.string("bridge.username"),
                v.string("bridge.password", ""),
                qos,
                mapping,
                Duration.ofSeconds(1),
                version));
    }

    /** The valid filters of mqtt.forward; each invalid one is reported against that key. */
    private static List<String> forwardFilters(ConfigValues v) {
        List<String> valid = new java.util.ArrayList<>();
        for (String filter : commaSeparated(v.string("mqtt.forward", "#"))) {
            try {
                if (TopicFilters.parse(filter).group() != null) {
                    v.problem("mqtt.forward", "'" + filter + "' is a shared subscription, not a topic filter");
                } else {
                    valid.add(filter);
                }
            } catch (IllegalArgumentException e) {
                v.problem("mqtt.forward", e.getMessage());
            }
        }
        return valid;
    }

    private static List<String> commaSeparated(String value) {
        return Arrays.stream(value.split(","))
                .map(String::trim)
                .filter(t -> !t.isEmpty())
                .toList();
    }

    private static MqttServerConfig mqtt(ConfigValues v, Path dataDir) {
        MqttServerConfig.Builder b = MqttServerConfig.builder()
                .stateDirectory(dataDir.resolve("mqtt"))
                .host(v.string("mqtt.host", "127.0.0.1"))
                .port(v.integer("mqtt.port"))
                .allowAnonymous(v.bool("mqtt.allow-anonymous"))
                .maxPacketSize((int) Math.min(v.size("mqtt.max-packet-size"), Integer.MAX_VALUE))
                .ioThreads(v.integer("mqtt.io-threads"))
                .forward(forwardFilters(v))
                .topicAliasMaximum(v.integer("mqtt.topic-alias-maximum"))
                .subscriberQueue(v.integer("mqtt.subscriber-queue"))
                .subscriberQueueBytes(v.size("mqtt.subscriber-queue-bytes"))
                .subscriberInFlight(v.integer("mqtt.subscriber-in-flight"))
                .subscriberWait(v.nonNegativeDuration("mqtt.subscriber-wait"))
                .maxSessionExpiry(v.nonNegativeDuration("mqtt.session-expiry-max"));
        try {
            b.sessionLimits(new SessionLimits(
                    v.integer("mqtt.max-sessions"),
                    v.integer("mqtt.session-queue-messages"),
                    v.size("mqtt.session-queue-bytes"),
                    v.enumValue("mqtt.session-queue-policy", SessionLimits.Policy.class),
                    SessionLimits.DEFAULTS.compactBytes()));
        } catch (IllegalArgumentException e) {
            v.problem("mqtt.session-queue-messages", e.getMessage());
        }
        try {
            b.topicMapping(TopicMapping.parse(v.string("mqtt.topic-template", TopicMapping.DEFAULT_TEMPLATE)));
        } catch (IllegalArgumentException e) {
            v.problem("mqtt.topic-template", e.getMessage());
        }
        int tlsPort = v.integer("mqtt.tls-port");
        Optional<Path> keyStore = v.path("mqtt.tls.key-store");
        if (tlsPort >= 0 && keyStore.isEmpty()) {
            v.problem("mqtt.tls-port", "needs mqtt.tls.key-store");
        } else if (tlsPort >= 0) {
            TlsConfig tls = TlsConfig.pkcs12(keyStore.get(), v.string("mqtt.tls.password", ""));
            Optional<Path> clientCa = v.existingFile("mqtt.tls.client-ca");
            b.tls(tlsPort, clientCa.isPresent() ? tls.withClientCa(clientCa.get()) : tls);
        }
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            v.problem("mqtt", e.getMessage());
            return MqttServerConfig.builder().build();
        }
    }

    private static ClientOptions hub(ConfigValues v) {
        List<HubEndpoint> endpoints = List.of(new HubEndpoint("127.0.0.1", 7400));
        try {
            endpoints = HubEndpoint.parseList(v.string("hub.endpoints", ""));
        } catch (IllegalArgumentException e) {
            v.problem("hub.endpoints", e.getMessage());
        }
        ClientOptions.Builder b = ClientOptions.builder(endpoints)
                .clientName("tributary-edge")
                .tls(v.bool("hub.tls"))
                .token(v.string("hub.token", ""))
                .keepAlive(v.nonNegativeDuration("hub.keepalive"));
        v.string("hub.username").ifPresent(u -> b.credentials(u, v.string("hub.password", "")));
        v.existingFile("hub.tls.trust").ifPresent(b::trustCertificates);
        Optional<Path> cert = v.existingFile("hub.tls.cert");
        Optional<Path> key = v.existingFile("hub.tls.key");
        if (v.bothOrNeither("hub.tls.cert", "hub.tls.key") && cert.isPresent()) {
            b.clientCertificate(cert.get(), key.get()).tls(true);
        }
        return b.build();
    }

    private static ForwarderConfig forwarder(ConfigValues v) {
        Codec codec =
                switch (v.string("codec", "lz4").trim().toLowerCase(Locale.ROOT)) {
                    case "lz4" -> Codec.CODEC_LZ4;
                    case "zstd" -> Codec.CODEC_ZSTD;
                    case "none" -> Codec.CODEC_NONE;
                    default -> {
                        v.problem("codec", "must be one of lz4|zstd|none");
                        yield Codec.CODEC_LZ4;
                    }
                };
        int records = v.integer("batch.max-records");
        long bytes = v.size("batch.max-bytes");
        int inFlight = v.integer("in-flight.batches");
        int perLane = v.integer("in-flight.per-lane");
        Duration linger = v.duration("batch.linger");
        Duration initial = v.duration("backoff.initial");
        Duration max = v.duration("backoff.max");
        try {
            return new ForwarderConfig(
                    v.string("stream", "telemetry"),
                    codec,
                    records,
                    (int) Math.min(bytes, 64L << 20),
                    linger,
                    inFlight,
                    perLane,
                    v.bool("partition-by-device"),
                    initial,
                    max);
        } catch (IllegalArgumentException e) {
            v.problem("batch", e.getMessage() + " (batch.*, in-flight.*, backoff.*)");
            return ForwarderConfig.defaults("telemetry");
        }
    }
}
