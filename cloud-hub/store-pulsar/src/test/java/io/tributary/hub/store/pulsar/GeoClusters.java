package io.tributary.hub.store.pulsar;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The operator's steps that join two Pulsar clusters for geo-replication, done through the admin REST API as an
 * operator would with {@code pulsar-admin}: each cluster registers the other (its web and broker service URLs) and the
 * tenant {@code public} allows both. The namespace's replication clusters are the home hub's business ({@code
 * pulsar.replication-clusters}). Stateless.
 */
final class GeoClusters {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private GeoClusters() {}

    /** Registers each of {@code a} and {@code b} with the other and allows both on the tenant {@code public} of each. */
    static void join(PulsarStandalone a, PulsarStandalone b) throws IOException, InterruptedException {
        for (PulsarStandalone[] pair : new PulsarStandalone[][] {{a, b}, {b, a}}) {
            PulsarStandalone self = pair[0];
            PulsarStandalone other = pair[1];
            call(
                    self.adminUrl(),
                    "PUT",
                    "/admin/v2/clusters/" + other.cluster(),
                    "{\"serviceUrl\":\"" + other.adminUrl() + "\",\"brokerServiceUrl\":\"" + other.serviceUrl()
                            + "\"}");
            call(
                    self.adminUrl(),
                    "POST",
                    "/admin/v2/tenants/public",
                    "{\"adminRoles\":[],\"allowedClusters\":[\"" + a.cluster() + "\",\"" + b.cluster() + "\"]}");
        }
    }

    /** Sets the replication clusters of {@code public/<namespace>} (here: to stop replication, as a lag would). */
    static void replicateTo(PulsarStandalone broker, String namespace, String... clusters)
            throws IOException, InterruptedException {
        call(
                broker.adminUrl(),
                "POST",
                "/admin/v2/namespaces/public/" + namespace + "/replication",
                "[\"" + String.join("\",\"", clusters) + "\"]");
    }

    private static void call(URI base, String method, String path, String json)
            throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(
                HttpRequest.newBuilder(base.resolve(path))
                        .timeout(Duration.ofSeconds(30))
                        .header("Content-Type", "application/json")
                        .method(method, HttpRequest.BodyPublishers.ofString(json))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("%s %s: %s", method, path, r.body()).isBetween(200, 204);
    }

    /**
     * Whether the topic's stats at {@code broker} list no replicator: after {@link #replicateTo} dropped the other
     * cluster, nothing written from then on is copied there.
     */
    static boolean notReplicating(PulsarStandalone broker, String topic) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(
                HttpRequest.newBuilder(broker.adminUrl().resolve("/admin/v2/persistent/" + topic + "/stats"))
                        .timeout(Duration.ofSeconds(30))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        return r.statusCode() == 200 && r.body().contains("\"replication\":{}");
    }
}
