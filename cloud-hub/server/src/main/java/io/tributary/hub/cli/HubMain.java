package io.tributary.hub.cli;

import io.tributary.hub.Hub;
import io.tributary.hub.config.HubConfig;
import io.tributary.protocol.cli.Cli;
import io.tributary.protocol.config.ConfigException;
import io.tributary.protocol.fs.DirectoryLockedException;
import io.tributary.protocol.json.Json;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./tributary hub}: runs a hub until interrupted. */
@Command(
        name = "hub",
        mixinStandardHelpOptions = true,
        description = {
            "Runs a Tributary cloud hub: durable sharded streams on local disk or Apache Pulsar, idempotent ingest from edge agents and"
                    + " producers, admin.",
            "Settings come from --config FILE (YAML), TRIBUTARY_HUB_* environment variables and these flags, in"
                    + " rising precedence; every key is listed in docs/configuration.md."
        },
        sortOptions = false)
public final class HubMain implements Callable<Integer> {
    @Option(names = "--config", paramLabel = "FILE", description = "YAML configuration file.")
    Path config;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Data directory (default tributary-data/hub).")
    String dataDir;

    @Option(names = "--host", description = "Listen address (default 127.0.0.1; 0.0.0.0 for all).")
    String host;

    @Option(names = "--port", description = "Protocol port (default 7400; 0 picks a free one).")
    String port;

    @Option(names = "--metrics-port", description = "Port of /metrics and /health (default 7401; -1 disables).")
    String metricsPort;

    @Option(names = "--hub-id", description = "Name of this hub.")
    String hubId;

    @Option(names = "--region", description = "Region of this hub (default local); see 'Two regions' in README.")
    String region;

    @Option(
            names = "--advertise",
            paramLabel = "HOST:PORT",
            description = "Address other hubs reach this hub at: other regions' hubs, and with --store pulsar the hubs"
                    + " that send it the producers of the shards it writes (default host:port).")
    String advertise;

    @Option(names = "--durability", description = "fsync (default) or page-cache.")
    String durability;

    @Option(names = "--store", description = "Where shard data lives: local (default) or pulsar.")
    String store;

    @Option(
            names = "--pulsar-url",
            paramLabel = "URL",
            description = "With --store pulsar: the brokers' service URL (default pulsar://127.0.0.1:6650).")
    String pulsarUrl;

    @Option(
            names = "--pulsar-admin-url",
            paramLabel = "URL",
            description = "With --store pulsar: the brokers' admin REST URL (default http://127.0.0.1:8080).")
    String pulsarAdminUrl;

    @Option(
            names = "--pulsar-replication-clusters",
            paramLabel = "LIST",
            description = "With --store pulsar, in the home region: the Pulsar clusters (comma-separated, this one"
                    + " included) that Pulsar's geo-replication copies the namespace to.")
    String pulsarReplicationClusters;

    @Option(
            names = "--pulsar-replica",
            description = "With --store pulsar: this region receives Pulsar's geo-replicated copy; the hub writes no"
                    + " shard and serves reads. Restart without it to promote the region.")
    boolean pulsarReplica;

    @Option(names = "--tokens-file", paramLabel = "FILE", description = "Accepted bearer tokens, one per line.")
    String tokensFile;

    @Option(names = "--credentials-file", paramLabel = "FILE", description = "user:password lines.")
    String credentialsFile;

    @Option(names = "--tls-cert", paramLabel = "PEM", description = "Server certificate chain (turns TLS on).")
    String tlsCert;

    @Option(names = "--tls-key", paramLabel = "PEM", description = "PKCS#8 key of --tls-cert.")
    String tlsKey;

    @Option(names = "--tls-client-ca", paramLabel = "PEM", description = "Require client certificates signed by these.")
    String tlsClientCa;

    @Override
    public Integer call() throws Exception {
        Map<String, String> flags = new HashMap<>();
        flags.put("data-dir", dataDir);
        flags.put("host", host);
        flags.put("port", port);
        flags.put("metrics-port", metricsPort);
        flags.put("hub-id", hubId);
        flags.put("region", region);
        flags.put("advertised-endpoint", advertise);
        flags.put("durability", durability);
        flags.put("store", store);
        flags.put("pulsar.service-url", pulsarUrl);
        flags.put("pulsar.admin-url", pulsarAdminUrl);
        flags.put("pulsar.replication-clusters", pulsarReplicationClusters);
        flags.put("pulsar.replica", pulsarReplica ? "true" : null);
        flags.put("tokens-file", tokensFile);
        flags.put("credentials-file", credentialsFile);
        flags.put("tls.cert", tlsCert);
        flags.put("tls.key", tlsKey);
        flags.put("tls.client-ca", tlsClientCa);
        HubConfig cfg;
        try {
            cfg = HubConfig.load(Optional.ofNullable(config), System.getenv(), flags);
        } catch (ConfigException e) {
            System.err.println("tributary hub: " + e.getMessage());
            return 2;
        }
        Hub hub;
        try {
            hub = Hub.start(cfg);
        } catch (java.io.IOException
                | IllegalArgumentException
                | io.tributary.hub.stream.StreamException
                | DirectoryLockedException e) {
            // Bad files (credentials, tokens, TLS, a corrupt stream catalog), a port in use or a data dir another hub
            // holds: say what, no stack trace.
            System.err.println("tributary hub: cannot start: " + e.getMessage());
            return 2;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            hub.close();
                            stopped.countDown();
                        },
                        "hub-shutdown"));
        System.out.println(Json.write(g -> {
            g.writeStartObject();
            g.writeStringField("event", "ready");
            g.writeStringField("role", "hub");
            g.writeNumberField("port", hub.port());
            g.writeObjectField("metrics_port", hub.metricsPort().orElse(null)); // a number or null
            g.writeStringField("store", cfg.store());
            g.writeStringField("data_dir", cfg.dataDir().toAbsolutePath().toString());
            g.writeEndObject();
        }));
        System.out.flush();
        stopped.await();
        return 0;
    }

    public static void main(String[] args) {
        System.exit(Cli.execute("hub", new HubMain(), args));
    }
}
