package io.tributary.hub.config;

import io.tributary.hub.store.local.Durability;
import io.tributary.protocol.config.ConfigKey;
import io.tributary.protocol.config.ConfigValues;
import io.tributary.protocol.config.Sizes;
import io.tributary.protocol.frame.FrameLimits;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything a hub process is configured with. Immutable; built by {@link #load} from defaults, a YAML file, {@code
 * TRIBUTARY_HUB_*} environment variables and command-line flags, in rising precedence, with every problem reported
 * at once. {@code docs/configuration.md} is generated from {@link #SCHEMA}.
 */
public record HubConfig(
        Path dataDir,
        String host,
        int port,
        int metricsPort,
        String hubId,
        String region,
        int maxFrameBytes,
        int ingestMaxUncompressedBytes,
        Optional<Path> tokensFile,
        Optional<Path> credentialsFile,
        Optional<Path> tlsCert,
        Optional<Path> tlsKey,
        Optional<Path> tlsClientCa,
        Durability durability,
        long segmentMaxBytes,
        long quotaRecordsPerSecond,
        long quotaBytesPerSecond,
        long connectionMaxPendingBytes,
        Duration idleTimeout,
        Duration retentionCheckInterval,
        int ioThreads,
        int workerThreads,
        Duration leaseTimeout,
        ReplicationConfig replication,
        String store,
        PulsarSettings pulsar) {

    public static final String ENV_PREFIX = "TRIBUTARY_HUB_";

    public static final List<ConfigKey> SCHEMA = List.of(
            new ConfigKey(
                    "data-dir",
                    "path",
                    "tributary-data/hub",
                    "Directory of the hub's lock and, with store=local, of its state: the streams' metadata, shard"
                            + " segments, consumer-group checkpoints and epoch grants (with store=pulsar these live in"
                            + " Pulsar, and a hub may start on an empty data-dir)."),
            new ConfigKey("host", "string", "127.0.0.1", "Address to listen on; 0.0.0.0 for every interface."),
            new ConfigKey("port", "int", "7400", "Port of the link, consumer and admin protocol (0 picks a free one)."),
            new ConfigKey("metrics-port", "int", "7401", "Port of /metrics (Prometheus) and /health; -1 disables it."),
            new ConfigKey("hub-id", "string", "hub-1", "Name of this hub in logs, metrics and Welcome frames."),
            new ConfigKey(
                    "region",
                    "string",
                    "local",
                    "Region this hub belongs to: streams it creates with replicas are homed here; replicas of other"
                            + " regions' streams are kept here."),
            new ConfigKey(
                    "advertised-endpoint",
                    "string",
                    "",
                    "HOST:PORT other hubs use to reach this hub: other regions' hubs (recorded in the streams it is home"
                            + " of), and with store=pulsar the hubs that send it the producers of the shards it writes;"
                            + " empty: host:port of the listener."),
            new ConfigKey(
                    "max-frame-bytes", "size", "8MiB", "Largest frame accepted; checked before any of it is buffered."),
            new ConfigKey(
                    "ingest.max-uncompressed-bytes",
                    "size",
                    "32MiB",
                    "Largest size a batch's payload may inflate to when the hub checks it before storing; a larger one is"
                            + " refused (NACK_REASON_INFLATE_LIMIT). At least max-frame-bytes."),
            new ConfigKey(
                    "tokens-file",
                    "path",
                    "",
                    "File of accepted bearer tokens, one per line ('#' comments). Unset with no credentials file: no"
                            + " authentication."),
            new ConfigKey(
                    "credentials-file",
                    "path",
                    "",
                    "File of user:password or user:{sha256}hex lines accepted in Hello."),
            new ConfigKey("tls.cert", "path", "", "PEM certificate chain; with tls.key turns TLS on."),
            new ConfigKey("tls.key", "path", "", "PEM PKCS#8 private key of tls.cert."),
            new ConfigKey(
                    "tls.client-ca",
                    "path",
                    "",
                    "PEM CA certificates; when set, clients must present a certificate signed by one."),
            new ConfigKey(
                    "store",
                    "local|pulsar",
                    "local",
                    "Where shard data lives. local: segment files in data-dir/shards. pulsar: one Apache Pulsar topic"
                            + " per shard (needs the module tributary-hub-store-pulsar on the class path, which"
                            + " ./tributary hub has, and a reachable broker), and the stream catalog, the epoch grants"
                            + " and the consumer groups' checkpoints (a topic per group, one coordinating hub at a time)"
                            + " in topics every hub on the namespace shares; hub-to-hub replicas are refused."),
            new ConfigKey(
                    "pulsar.service-url",
                    "string",
                    "pulsar://127.0.0.1:6650",
                    "store=pulsar: the brokers' binary protocol (pulsar:// or pulsar+ssl://)."),
            new ConfigKey(
                    "pulsar.admin-url",
                    "string",
                    "http://127.0.0.1:8080",
                    "store=pulsar: the brokers' admin REST API (http:// or https://)."),
            new ConfigKey(
                    "pulsar.tenant",
                    "string",
                    "public",
                    "store=pulsar: Pulsar tenant of the shard topics; it must exist."),
            new ConfigKey(
                    "pulsar.namespace",
                    "string",
                    "tributary",
                    "store=pulsar: namespace of the shard topics (persistent://TENANT/NAMESPACE/STREAM.SHARD); created"
                            + " if missing, with infinite retention (a shard's topic gets a policy of its own when stream"
                            + " retention first trims it)."),
            new ConfigKey(
                    "pulsar.operation-timeout",
                    "duration",
                    "30s",
                    "store=pulsar: bound of each Pulsar operation (a send, a lookup, an admin call); also how long a"
                            + " hub waits for the brokers at start."),
            new ConfigKey(
                    "pulsar.catalog-lock-timeout",
                    "duration",
                    "15s",
                    "store=pulsar: how long a stream change (create, split, merge, delete) waits for the stream"
                            + " catalog's cross-hub lock before it fails; a hub that died holding it frees it once"
                            + " the broker sees its connection close."),
            new ConfigKey(
                    "pulsar.catalog-compaction-threshold",
                    "size",
                    "1MiB",
                    "store=pulsar: compaction threshold the hub sets on the catalog topic"
                            + " (persistent://TENANT/NAMESPACE/__tributary-catalog) at start, so a hub's start reads"
                            + " about one message per stream; 0 leaves the topic's compaction to the operator."),
            new ConfigKey(
                    "pulsar.catalog-check-interval",
                    "duration",
                    "10s",
                    "store=pulsar: how often a hub checks that it still reads the stream catalog to its end;"
                            + " /health is degraded while it does not."),
            new ConfigKey(
                    "pulsar.replication-clusters",
                    "string",
                    "",
                    "store=pulsar, in the home region: the Pulsar clusters (comma-separated, this one included) that"
                            + " Pulsar's geo-replication copies the namespace to (shards, catalog, grants, groups), set"
                            + " as the namespace's replication clusters at start; each must be registered with the"
                            + " brokers and allowed on the tenant. Empty: the namespace's replication is left alone."),
            new ConfigKey(
                    "pulsar.replica",
                    "bool",
                    "false",
                    "store=pulsar: this hub's region receives Pulsar's geo-replicated copy of the home region's"
                            + " namespace; the hub writes no shard (appends are refused as retriable) and serves reads"
                            + " of what arrived. Promote the region by restarting its hubs without it once the home"
                            + " region is gone. Not with pulsar.replication-clusters."),
            new ConfigKey(
                    "durability",
                    "fsync|page-cache",
                    "fsync",
                    "fsync: ack after the group commit's fsync. page-cache: ack once written to the OS (survives a"
                            + " process crash, not a power cut)."),
            new ConfigKey("segment-max-bytes", "size", "128MiB", "Roll a shard's segment file at this size."),
            new ConfigKey(
                    "quota.records-per-second",
                    "long",
                    "0",
                    "Per agent id: records per second before Throttle; 0 is unlimited."),
            new ConfigKey(
                    "quota.bytes-per-second",
                    "size",
                    "0",
                    "Per agent id: payload bytes per second before Throttle; 0 is unlimited."),
            new ConfigKey(
                    "connection.max-pending-bytes",
                    "size",
                    "64MiB",
                    "Per connection: stop reading while this many batch bytes await their fsync."),
            new ConfigKey(
                    "idle-timeout",
                    "duration",
                    "120s",
                    "Close a connection that sent nothing (not even Ping) for this long."),
            new ConfigKey(
                    "retention-check-interval",
                    "duration",
                    "30s",
                    "How often retention is applied to every shard (with store=pulsar: every shard this hub writes)."),
            new ConfigKey("io-threads", "int", "2", "Netty event-loop threads."),
            new ConfigKey(
                    "worker-threads",
                    "int",
                    "2",
                    "Threads for blocking work kept off the event loops: shard reads of GetRecords and subscriptions,"
                            + " admin requests, epoch grants, re-encoding resent batches, consumer-group lag."),
            new ConfigKey(
                    "groups.lease-timeout",
                    "duration",
                    "10s",
                    "A consumer-group member that sends no heartbeat for this long loses its shard leases."),
            new ConfigKey(
                    "replication.ack-timeout",
                    "duration",
                    "10s",
                    "Ack level replicated: how long a stored batch waits for a replica before it is refused as not"
                            + " replicated (NACK_REASON_NOT_REPLICATED, retriable)."),
            new ConfigKey(
                    "replication.window-bytes",
                    "size",
                    "8MiB",
                    "Per shard and replica region: bytes sent to the replica and not yet acknowledged."),
            new ConfigKey(
                    "replication.lag-alert-records",
                    "long",
                    "100000",
                    "A replica further behind than this many records makes /health `degraded`."),
            new ConfigKey("replication.token", "string", "", "Bearer token this hub presents to other regions' hubs."),
            new ConfigKey("replication.tls", "bool", "false", "Connect to other regions' hubs with TLS."),
            new ConfigKey(
                    "replication.trust-certificates",
                    "path",
                    "",
                    "PEM certificates to trust for other regions' hubs (empty: the JDK's trust store)."),
            new ConfigKey(
                    "replication.keepalive",
                    "duration",
                    "5s",
                    "Ping a replica after this long without sending; a link silent for 3x this long (half-open) is"
                            + " closed and reconnected. 0s disables."));

    private static final java.util.regex.Pattern STORE_NAME = java.util.regex.Pattern.compile("[a-z][a-z0-9-]{0,31}");
    private static final java.util.regex.Pattern PULSAR_NAME = java.util.regex.Pattern.compile("[A-Za-z0-9._-]{1,128}");

    /** Resolves and validates a configuration; throws a {@code ConfigException} listing every problem. */
    public static HubConfig load(Optional<Path> file, Map<String, String> env, Map<String, String> flags) {
        ConfigValues v = ConfigValues.resolve(SCHEMA, file, env, ENV_PREFIX, flags);
        int port = v.port("port");
        int metricsPort = v.portOrOff("metrics-port");
        long maxFrame = v.size("max-frame-bytes", 1024, FrameLimits.ABSOLUTE_MAX_FRAME_BYTES);
        long maxUncompressed = v.size("ingest.max-uncompressed-bytes", 1024, 1L << 30);
        if (maxUncompressed < maxFrame) {
            v.problem(
                    "ingest.max-uncompressed-bytes",
                    "must be at least max-frame-bytes (" + Sizes.format(maxFrame) + ")");
        }
        Optional<Path> tokens = v.existingFile("tokens-file");
        Optional<Path> credentials = v.existingFile("credentials-file");
        Optional<Path> cert = v.existingFile("tls.cert");
        Optional<Path> key = v.existingFile("tls.key");
        Optional<Path> clientCa = v.existingFile("tls.client-ca");
        v.bothOrNeither("tls.cert", "tls.key");
        if (clientCa.isPresent() && cert.isEmpty()) {
            v.problem("tls.client-ca", "needs tls.cert and tls.key");
        }
        int ioThreads = v.integer("io-threads", 1, 64);
        int workerThreads = v.integer("worker-threads", 1, 64);
        Durability durability = v.enumValue("durability", Durability.class);
        Duration idle = v.duration("idle-timeout");
        Duration retention = v.positiveDuration("retention-check-interval");
        Duration lease = v.durationAtLeast("groups.lease-timeout", Duration.ofMillis(100));
        String advertised = v.string("advertised-endpoint", "");
        if (!advertised.isEmpty() && !advertised.matches("[^:\\s]+:\\d{1,5}")) {
            v.problem("advertised-endpoint", "must be HOST:PORT, was " + advertised);
        }
        ReplicationConfig replication = new ReplicationConfig(
                advertised,
                v.positiveDuration("replication.ack-timeout"),
                v.size("replication.window-bytes", 64 * 1024, 1L << 30),
                v.longValue("replication.lag-alert-records"),
                v.string("replication.token").filter(t -> !t.isEmpty()),
                v.bool("replication.tls"),
                v.existingFile("replication.trust-certificates"),
                v.nonNegativeDuration("replication.keepalive"));
        String store = v.string("store", "local");
        if (!STORE_NAME.matcher(store).matches()) {
            v.problem("store", "must be a store name such as local or pulsar, was " + store);
        }
        String serviceUrl = v.string("pulsar.service-url", "pulsar://127.0.0.1:6650");
        if (!serviceUrl.startsWith("pulsar://") && !serviceUrl.startsWith("pulsar+ssl://")) {
            v.problem("pulsar.service-url", "must start with pulsar:// or pulsar+ssl://, was " + serviceUrl);
        }
        String adminText = v.string("pulsar.admin-url", "http://127.0.0.1:8080");
        URI adminUrl = URI.create("http://127.0.0.1:8080");
        try {
            URI u = new URI(adminText);
            if (("http".equals(u.getScheme()) || "https".equals(u.getScheme())) && u.getHost() != null) {
                adminUrl = u;
            } else {
                v.problem("pulsar.admin-url", "must be an http:// or https:// URL with a host, was " + adminText);
            }
        } catch (URISyntaxException e) {
            v.problem("pulsar.admin-url", "is not a URL: " + e.getMessage());
        }
        String tenant = v.string("pulsar.tenant", "public");
        String namespace = v.string("pulsar.namespace", "tributary");
        for (String[] kv : new String[][] {{"pulsar.tenant", tenant}, {"pulsar.namespace", namespace}}) {
            if (!PULSAR_NAME.matcher(kv[1]).matches()) {
                v.problem(kv[0], "must match [A-Za-z0-9._-]{1,128}, was " + kv[1]);
            }
        }
        List<String> replicationClusters = Arrays.stream(
                        v.string("pulsar.replication-clusters", "").split(","))
                .map(String::trim)
                .filter(x -> !x.isEmpty())
                .toList();
        for (String cluster : replicationClusters) {
            if (!PULSAR_NAME.matcher(cluster).matches()) {
                v.problem("pulsar.replication-clusters", "each must match [A-Za-z0-9._-]{1,128}, was " + cluster);
            }
        }
        if (new HashSet<>(replicationClusters).size() != replicationClusters.size()) {
            v.problem("pulsar.replication-clusters", "names a cluster twice: " + replicationClusters);
        }
        boolean replica = v.bool("pulsar.replica");
        if (replica && !replicationClusters.isEmpty()) {
            v.problem("pulsar.replica", "a replica sets no pulsar.replication-clusters (only the home region does)");
        }
        HubConfig c = new HubConfig(
                Path.of(v.string("data-dir", "tributary-data/hub")),
                v.string("host", "127.0.0.1"),
                port,
                metricsPort,
                v.string("hub-id", "hub-1"),
                v.string("region", "local"),
                (int) Math.min(maxFrame, Integer.MAX_VALUE),
                (int) maxUncompressed,
                tokens,
                credentials,
                cert,
                key,
                clientCa,
                durability,
                v.size("segment-max-bytes"),
                v.longValue("quota.records-per-second"),
                v.size("quota.bytes-per-second"),
                v.size("connection.max-pending-bytes"),
                idle,
                retention,
                ioThreads,
                workerThreads,
                lease,
                replication,
                store,
                new PulsarSettings(
                        serviceUrl,
                        adminUrl,
                        tenant,
                        namespace,
                        v.positiveDuration("pulsar.operation-timeout"),
                        new PulsarSettings.Catalog(
                                v.positiveDuration("pulsar.catalog-lock-timeout"),
                                v.size("pulsar.catalog-compaction-threshold"),
                                v.positiveDuration("pulsar.catalog-check-interval")),
                        replicationClusters,
                        replica));
        v.validate();
        return c;
    }

    /** Defaults with a data directory, for tests and embedded use. */
    public static HubConfig defaults(Path dataDir) {
        return load(
                Optional.empty(), Map.of(), Map.of("data-dir", dataDir.toString(), "port", "0", "metrics-port", "-1"));
    }

    public boolean tlsEnabled() {
        return tlsCert.isPresent();
    }
}
