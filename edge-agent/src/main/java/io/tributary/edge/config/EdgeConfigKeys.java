package io.tributary.edge.config;

import io.tributary.edge.mqtt.TopicMapping;
import io.tributary.protocol.config.ConfigKey;
import java.util.ArrayList;
import java.util.List;

/** The edge agent's configuration keys with their types, defaults and help ({@link EdgeConfig#SCHEMA}). */
final class EdgeConfigKeys {
    private EdgeConfigKeys() {}

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
                    "mqtt.topic-alias-maximum",
                    "int",
                    "10",
                    "Topic Aliases an MQTT 5 client may set per connection (advertised in CONNACK; 0: none). Each"
                            + " holds a topic name, so a connection keeps at most this many."),
            new ConfigKey(
                    "mqtt.subscriber-queue",
                    "int",
                    "1000",
                    "Messages waiting for one local subscriber; beyond, new ones are dropped for it (counted)."),
            new ConfigKey(
                    "mqtt.subscriber-queue-bytes",
                    "size",
                    "16MiB",
                    "Payload bytes waiting for one local subscriber; beyond, new messages are dropped for it (counted)"
                            + " as past mqtt.subscriber-queue. A larger message still goes through an empty queue."),
            new ConfigKey(
                    "mqtt.subscriber-wait",
                    "duration",
                    "250ms",
                    "Longest a publisher's reads pause while a local subscriber's queue is past half of"
                            + " mqtt.subscriber-queue or mqtt.subscriber-queue-bytes (back-pressure instead of drops); a subscriber that makes no room"
                            + " in time is not waited for until it catches up. A publish to a forwarded topic never waits; 0:"
                            + " publishers never wait."),
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
            new ConfigKey(
                    "bridge.mqtt-version",
                    "string",
                    "3.1.1",
                    "MQTT version the bridge speaks to the broker: 3.1.1 or 5 (QoS 1 only; user properties become"
                            + " record attributes)."),
            new ConfigKey(
                    "bridge.qos",
                    "int",
                    "1",
                    "Subscription QoS of the bridge, 1 or 2. At 2 (for messages published at QoS 2) each message is"
                            + " stored once across agent crashes; the bridge's client keeps what it received fsync'd"
                            + " under data-dir/bridge (an fsync per message). At 1 a redelivered message already stored"
                            + " is recognised, except when the agent died while its PUBACK was on its way."));

    static final List<ConfigKey> ALL;

    static {
        // the access-control keys follow the other mqtt.* keys
        List<ConfigKey> keys = new ArrayList<>(BASE_KEYS);
        int after = keys.indexOf(keys.stream()
                .filter(k -> k.name().equals("mqtt.subscriber-in-flight"))
                .findFirst()
                .orElseThrow());
        keys.addAll(after + 1, MqttAccessSettings.KEYS);
        ALL = List.copyOf(keys);
    }
}
