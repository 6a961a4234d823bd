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
    public static final List<ConfigKey> SCHEMA;

    private static final List<ConfigKey> BASE_KEYS = List.of(
            new ConfigKey("data-dir", "path", "tributary-data/edge", "Directory of the durable buffer."),
            new ConfigKey(
                    "agent-id", "string", "edge-1", "Stable id of this agent; the hub de-duplicates per agent id."),
            new ConfigKey(
                    "mqtt.host",
                    "string",
                    "127.0.0.1",
                    "Address the MQTT listeners bind to; 0.0.0.0 for every interface (devices on the network)."),
            new ConfigKey("mqtt.port", "int", "1883", "Plain MQTT port (0 picks a free one, -1 disables)."),
            new ConfigKey("mqtt.tls-port", "int", "-1", "MQTT over TLS port (-1 disables); needs mqtt.tls.key-store."),
            new ConfigKey("mqtt.tls.key-store", "path", "", "PKCS#12 key store with the server key and chain."),
            new ConfigKey("mqtt.tls.password", "string", "", "Password of mqtt.tls.key-store and its key."),
            new ConfigKey(
                    "mqtt.credentials-file",
                    "path",
                    "",
                    "MQTT users, one user:$pbkdf2-sha256$... line each, printed by ./tributary passwd; the older"
                            + " user:password and user:{sha256}hex lines still work, with a warning at start."),
            new ConfigKey(
                    "mqtt.allow-anonymous",
                    "bool",
                    "false",
                    "Accept CONNECT without user name (needed when no credentials file is set)."),
            new ConfigKey(
                    "mqtt.topic-template",
                    "string",
                    TopicMapping.DEFAULT_TEMPLATE,
                    "How topics map to group, device and metric."),
            new ConfigKey("mqtt.max-packet-size", "size", "256KiB", "Largest MQTT packet accepted."),
            new ConfigKey("mqtt.io-threads", "int", "0", "MQTT event-loop threads; 0 is Netty's default."),
            new ConfigKey(
                    "mqtt.forward",
                    "string",
                    "#",
                    "Comma-separated topic filters of the publishes forwarded to the hub (they must fit"
                            + " mqtt.topic-template, as today); publishes to other topics stay on the edge, for local"
                            + " subscribers only. '#' matches no topic starting with '$'."),
            new ConfigKey(
                    "mqtt.subscriber-queue",
                    "int",
                    "1000",
                    "Messages waiting for one local subscriber; beyond, new ones are dropped for it (counted)."),
            new ConfigKey(
                    "mqtt.subscriber-in-flight",
                    "int",
                    "100",
                    "Unacknowledged QoS 1/2 messages sent to one local subscriber at most (an MQTT 5 client's"
                            + " Receive Maximum may lower it)."),
            new ConfigKey(
                    "mqtt.session-expiry-max",
                    "duration",
                    "1d",
                    "Longest a persistent session outlives its connection (MQTT 5 Session Expiry Interval is capped"
                            + " to it); the expiry of every MQTT 3.1.1 clean-session-0 session."),
            new ConfigKey(
                    "mqtt.max-sessions",
                    "int",
                    "10000",
                    "Persistent sessions stored at most; a CONNECT creating one more is refused (0x97 / 0x03)."),
            new ConfigKey(
                    "mqtt.session-queue-messages",
                    "int",
                    "1000",
                    "QoS 1/2 messages queued for one persistent session at most, unacknowledged ones included."),
            new ConfigKey(
                    "mqtt.session-queue-bytes",
                    "size",
                    "1MiB",
                    "Bytes of the messages queued for one persistent session at most."),
            new ConfigKey(
                    "mqtt.session-queue-policy",
                    "drop-oldest|refuse-newest",
                    "drop-oldest",
                    "What a full session queue gives up: its oldest message not yet sent, or the new one (counted"
                            + " either way as session_queue_full)."),
            new ConfigKey(
                    "buffer.quota", "size", "1GiB", "Disk quota of the buffer; the overflow policy applies beyond."),
            new ConfigKey(
                    "buffer.overflow-policy",
                    "reject-new|drop-oldest|aggregate-oldest",
                    "reject-new",
                    "What happens when the quota is reached; every record not delivered is counted."),
            new ConfigKey(
                    "buffer.ttl", "duration", "0s", "Unsent records older than this expire (counted); 0s keeps them."),
            new ConfigKey(
                    "buffer.aggregate-window", "duration", "60s", "Window of the aggregate-oldest overflow policy."),
            new ConfigKey(
                    "buffer.segment-size",
                    "size",
                    "32MiB",
                    "Size of a buffer log file; space is freed a whole file at a time: keep it well under the disk."),
            new ConfigKey(
                    "buffer.disk-reserve",
                    "size",
                    "4MiB",
                    "Space held in a reserve file; freed on a full disk to drain, rewritten before accepting again."),
            new ConfigKey(
                    "hub.endpoints",
                    "string",
                    "127.0.0.1:7400",
                    "Hubs as HOST:PORT[,HOST:PORT...], in order of preference."),
            new ConfigKey("hub.token", "string", "", "Bearer token sent in Hello."),
            new ConfigKey("hub.username", "string", "", "User name sent in Hello (with hub.password)."),
            new ConfigKey("hub.password", "string", "", "Password of hub.username."),
            new ConfigKey("hub.tls", "bool", "false", "Connect to the hub over TLS."),
            new ConfigKey(
                    "hub.keepalive",
                    "duration",
                    "5s",
                    "Ping the hub after this long without sending; a link silent for 3x this long (half-open) is"
                            + " closed and reconnected. 0s disables."),
            new ConfigKey("hub.tls.trust", "path", "", "PEM CA certificates to trust; default the JDK's trust store."),
            new ConfigKey("hub.tls.cert", "path", "", "PEM client certificate chain for mutual TLS."),
            new ConfigKey("hub.tls.key", "path", "", "PEM PKCS#8 key of hub.tls.cert."),
            new ConfigKey("stream", "string", "telemetry", "Hub stream the records go to."),
            new ConfigKey("codec", "lz4|zstd|none", "lz4", "Batch compression."),
            new ConfigKey(
                    "partition-by-device",
                    "bool",
                    "false",
                    "Partition key group/device instead of group (spreads a hot group, keeps per-device order)."),
            new ConfigKey("batch.max-records", "int", "1000", "Records per batch at most."),
            new ConfigKey("batch.max-bytes", "size", "1MiB", "Record bytes per batch at most."),
            new ConfigKey("batch.linger", "duration", "10ms", "How long a partial batch waits for more records."),
            new ConfigKey("in-flight.batches", "int", "32", "Unacknowledged batches on the hub connection at most."),
            new ConfigKey("in-flight.per-lane", "int", "8", "Of those, per device group at most (fairness)."),
            new ConfigKey(
                    "backoff.initial", "duration", "100ms", "First reconnect or retry delay (jittered, doubling)."),
            new ConfigKey("backoff.max", "duration", "10s", "Largest reconnect or retry delay."),
            new ConfigKey(
                    "aggregation.rules",
                    "string",
                    "",
                    "Per-topic rules 'FILTER=MODE[:WINDOW]', ';'-separated, first match wins, unmatched topics raw."
                            + " FILTER is an MQTT filter (+ one level, # the rest); MODE raw (forward each record),"
                            + " window (only tumbling-window aggregates: count, min, max, sum, last per device, metric"
                            + " and numeric JSON field, by edge receive time) or both; WINDOW a number with ms|s|m|h,"
                            + " required for window and both. E.g. 'sensors/#=window:60s;alarms/#=raw'."),
            new ConfigKey(
                    "aggregation.grace",
                    "duration",
                    "2s",
                    "How long a window stays open after its end for records still being committed."),
            new ConfigKey(
                    "metrics.host",
                    "string",
                    "127.0.0.1",
                    "Address of /metrics and /health; 0.0.0.0 for every interface."),
            new ConfigKey("metrics.port", "int", "9464", "Port of /metrics (Prometheus) and /health; -1 disables."),
            new ConfigKey(
                    "bridge.url",
                    "string",
                    "",
                    "Broker to subscribe to (bridge mode), e.g. tcp://127.0.0.1:1883 or ssl://host:8883; unset is off."
                            + " Messages are acknowledged to it only once durable; unmapped topics are dropped."),
            new ConfigKey(
                    "bridge.topics",
                    "string",
                    "tributary/#",
                    "Comma-separated topic filters the bridge subscribes to."),
            new ConfigKey(
                    "bridge.client-id",
                    "string",
                    "",
                    "Client id of the bridge's persistent session; default tributary-bridge-<agent-id>."),
            new ConfigKey("bridge.username", "string", "", "User name at the bridged broker; unset is anonymous."),
            new ConfigKey("bridge.password", "string", "", "Password of bridge.username."),
            new ConfigKey("bridge.qos", "int", "1", "Subscription QoS of the bridge, 1 or 2."));

    static {
        // the access-control keys follow the other mqtt.* keys
        List<ConfigKey> keys = new java.util.ArrayList<>(BASE_KEYS);
        int after = keys.indexOf(keys.stream()
                .filter(k -> k.name().equals("mqtt.subscriber-in-flight"))
                .findFirst()
                .orElseThrow());
        keys.addAll(after + 1, MqttAccessSettings.KEYS);
        SCHEMA = List.copyOf(keys);
    }

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
        if (qos != 1 && qos != 2) {
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
                Duration.ofSeconds(1)));
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
                .subscriberQueue(v.integer("mqtt.subscriber-queue"))
                .subscriberInFlight(v.integer("mqtt.subscriber-in-flight"))
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
