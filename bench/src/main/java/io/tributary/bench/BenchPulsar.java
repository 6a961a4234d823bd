package io.tributary.bench;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.tributary.bench.pipeline.ProcStats;
import io.tributary.hub.store.pulsar.standalone.BrokerClassPath;
import io.tributary.hub.store.pulsar.standalone.StandaloneBroker;
import io.tributary.protocol.json.Json;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * The Pulsar broker of {@code bench hub --store pulsar|all}: a standalone the bench starts on free loopback ports
 * (the one {@code ./tributary pulsar-standalone} runs, in its own JVM) and stops at close, or a running broker given
 * by its URLs (left running; its CPU is not measured). Also the few admin calls the bench needs. Not thread-safe.
 */
final class BenchPulsar implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofMinutes(2);
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);

    private final String serviceUrl;
    private final URI adminUrl;
    private final StandaloneBroker broker;
    private final HttpClient http = HttpClient.newHttpClient();

    private BenchPulsar(String serviceUrl, URI adminUrl, StandaloneBroker broker) {
        this.serviceUrl = serviceUrl;
        this.adminUrl = adminUrl;
        this.broker = broker;
    }

    /** A broker that runs already; the bench neither stops it nor measures its CPU. */
    static BenchPulsar attach(String serviceUrl, URI adminUrl) {
        return new BenchPulsar(serviceUrl, adminUrl, null);
    }

    /**
     * Starts a standalone broker with its data in {@code dir} and a heap of {@code heap}. Its class path is resolved
     * by Maven from the source tree ({@code tributary.home}), as {@code ./tributary pulsar-standalone} does.
     *
     * @throws IOException when the class path does not resolve or the broker does not start (the message says which)
     */
    static BenchPulsar start(Path dir, String heap) throws IOException {
        Path home = Path.of(System.getProperty("tributary.home", ".")).toAbsolutePath();
        Path work = home.resolve("cloud-hub/store-pulsar/target/pulsar");
        List<String> classPath;
        try {
            classPath = BrokerClassPath.resolve(
                    home.resolve("cloud-hub/store-pulsar/pulsar-broker/pom.xml"), home.resolve("mvnw"), work);
        } catch (IOException e) {
            throw new IOException(
                    "cannot start a Pulsar standalone: its class path did not resolve (" + e.getMessage() + "). Run"
                            + " './tributary pulsar-standalone --data-dir DIR' once with network access, or give a"
                            + " running broker with --pulsar-url and --pulsar-admin-url",
                    e);
        }
        StandaloneBroker broker = new StandaloneBroker(
                dir, classPath, new StandaloneBroker.Settings(freePort(), freePort(), freePort(), heap));
        broker.start(START_TIMEOUT);
        System.err.printf(
                "pulsar: standalone pid %d, %s, admin %s, log %s%n",
                broker.process().pid(), broker.serviceUrl(), broker.adminUrl(), broker.log());
        return new BenchPulsar(broker.serviceUrl(), broker.adminUrl(), broker);
    }

    String serviceUrl() {
        return serviceUrl;
    }

    URI adminUrl() {
        return adminUrl;
    }

    /** The broker's CPU-seconds so far (user + system), or NaN for a broker the bench did not start. */
    double cpuSeconds() {
        return broker == null
                ? Double.NaN
                : ProcStats.cpuSeconds(broker.process().pid());
    }

    /** Creates {@code tenant/namespace} unless it exists. */
    void createNamespace(String tenant, String namespace) throws IOException {
        admin("PUT", "/admin/v2/namespaces/" + tenant + "/" + namespace, Set.of(204, 409));
    }

    /**
     * Creates a non-partitioned persistent topic ({@code tenant/namespace/name}) unless it exists: the namespace the
     * hubs use has automatic topic creation off (the Pulsar store turns it off so that a takeover never recreates a
     * deleted shard), so the raw targets create theirs.
     */
    void createTopic(String topic) throws IOException {
        admin("PUT", "/admin/v2/persistent/" + topic, Set.of(204, 409));
    }

    /** Deletes a persistent topic ({@code tenant/namespace/name}) and its data; a missing one is fine. */
    void deleteTopic(String topic) throws IOException {
        admin("DELETE", "/admin/v2/persistent/" + topic + "?force=true", Set.of(204, 404));
    }

    /**
     * Messages the broker has received on a persistent topic ({@code tenant/namespace/name}) since it loaded it: its
     * stats' {@code msgInCounter}.
     */
    long messagesIn(String topic) throws IOException {
        String stats = admin("GET", "/admin/v2/persistent/" + topic + "/stats", Set.of(200));
        try (JsonParser p = Json.FACTORY.createParser(stats)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("stats of " + topic + " are not a JSON object: " + stats);
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                if (field.equals("msgInCounter")) {
                    return p.getLongValue();
                }
                p.skipChildren();
            }
        }
        throw new IOException("no msgInCounter in the stats of " + topic + ": " + stats);
    }

    private String admin(String method, String path, Set<Integer> ok) throws IOException {
        HttpRequest request = HttpRequest.newBuilder(adminUrl.resolve(path))
                .timeout(ADMIN_TIMEOUT)
                .method(method, HttpRequest.BodyPublishers.noBody())
                .build();
        try {
            HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (!ok.contains(r.statusCode())) {
                throw new IOException("Pulsar admin " + method + " " + request.uri() + " answered " + r.statusCode()
                        + ": " + r.body());
            }
            return r.body();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + method + " " + request.uri(), e);
        }
    }

    /** Stops a broker the bench started (SIGTERM, 20 s grace, then SIGKILL). */
    @Override
    public void close() {
        if (broker != null) {
            broker.stop(Duration.ofSeconds(20));
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        }
    }
}
