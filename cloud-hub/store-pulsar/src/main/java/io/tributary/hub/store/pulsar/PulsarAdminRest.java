package io.tributary.hub.store.pulsar;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.tributary.protocol.json.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The few calls of Pulsar's admin REST API (v2) the store makes, over the JDK's HTTP client: Pulsar's shaded admin
 * client would bring unshaded Jackson, Guava and Avro versions onto the hub's class path. Thread-safe.
 */
final class PulsarAdminRest {
    private final HttpClient http;
    private final URI base;
    private final Duration timeout;

    /** A client of the admin API at {@code adminUrl}; {@code timeout} bounds each call (and the connect). */
    public PulsarAdminRest(URI adminUrl, Duration timeout) {
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
        this.base = adminUrl;
        this.timeout = timeout;
    }

    /** Creates the namespace unless it exists. */
    void createNamespace(String tenant, String namespace) throws IOException {
        call("PUT", "/admin/v2/namespaces/" + tenant + "/" + namespace, "{}", Set.of(204, 409));
    }

    /**
     * Sets the namespace policies the store relies on: infinite retention (Pulsar deletes messages no durable
     * subscription holds otherwise, and readers hold none), no deletion of inactive topics, and no automatic creation
     * of topics: the store creates a shard's topic when the shard is first opened, and a producer that reconnects (or
     * a hub taking a shard over) after the topic was deleted must not create an empty one that numbers from 0 again.
     */
    void configureNamespace(String tenant, String namespace) throws IOException {
        String ns = "/admin/v2/namespaces/" + tenant + "/" + namespace;
        call("POST", ns + "/retention", "{\"retentionTimeInMinutes\":-1,\"retentionSizeInMB\":-1}", Set.of(204));
        call(
                "POST",
                ns + "/inactiveTopicPolicies",
                "{\"inactiveTopicDeleteMode\":\"delete_when_no_subscriptions\",\"maxInactiveDurationSeconds\":-1,"
                        + "\"deleteWhileInactive\":false}",
                Set.of(204));
        call("POST", ns + "/autoTopicCreation", "{\"allowAutoTopicCreation\":false}", Set.of(204));
    }

    /** Lists the tenant's namespaces: fails unless the admin API answers and the tenant exists. */
    void listNamespaces(String tenant) throws IOException {
        call("GET", "/admin/v2/namespaces/" + tenant, "", Set.of(200));
    }

    /** Creates a non-partitioned persistent topic unless it exists; {@code topic} is its local name. */
    public void createTopic(String tenant, String namespace, String topic) throws IOException {
        call("PUT", topicPath(tenant, namespace, topic), "", Set.of(204, 409));
    }

    /** Deletes the topic and its data even if clients are connected; a topic that does not exist is fine. */
    CompletableFuture<Void> deleteTopic(String tenant, String namespace, String topic) {
        HttpRequest request = request("DELETE", topicPath(tenant, namespace, topic) + "?force=true", "");
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).thenAccept(r -> {
            if (r.statusCode() != 204 && r.statusCode() != 404) {
                throw new IllegalStateException(describe(request, r));
            }
        });
    }

    /**
     * Sets the topic's compaction threshold (a topic policy): the broker compacts the topic once this many bytes are
     * not compacted yet. Fails when the brokers refuse topic policies ({@code topicLevelPoliciesEnabled=false}).
     */
    public void setCompactionThreshold(String tenant, String namespace, String topic, long bytes) throws IOException {
        call("POST", topicPath(tenant, namespace, topic) + "/compactionThreshold", Long.toString(bytes), Set.of(204));
    }

    /** Asks the broker to compact the topic now (it runs in the background). */
    public void compact(String tenant, String namespace, String topic) throws IOException {
        call("PUT", topicPath(tenant, namespace, topic) + "/compaction", "", Set.of(204, 409));
    }

    /** The status of the topic's last compaction: {@code NOT_RUN}, {@code RUNNING}, {@code SUCCESS} or {@code ERROR}. */
    public String compactionStatus(String tenant, String namespace, String topic) throws IOException {
        return call("GET", topicPath(tenant, namespace, topic) + "/compaction", "", Set.of(200));
    }

    /** Creates the durable subscription {@code subscription} at the topic's earliest message unless it exists. */
    CompletableFuture<Void> createSubscription(String tenant, String namespace, String topic, String subscription) {
        return callAsync(
                        "PUT",
                        topicPath(tenant, namespace, topic) + "/subscription/" + subscription,
                        position(-1, -1),
                        Set.of(204, 409))
                .thenApply(x -> null);
    }

    /**
     * Sets the topic's retention policy to nothing beyond what its subscriptions hold (a topic policy, over the
     * namespace's). Fails when the brokers refuse topic policies ({@code topicLevelPoliciesEnabled=false}).
     */
    CompletableFuture<Void> retainOnlyWhatSubscriptionsHold(String tenant, String namespace, String topic) {
        return callAsync(
                        "POST",
                        topicPath(tenant, namespace, topic) + "/retention",
                        "{\"retentionTimeInMinutes\":0,\"retentionSizeInMB\":0}",
                        Set.of(204))
                .thenApply(x -> null);
    }

    /** Moves the subscription so that its next message is the one at {@code ledgerId:entryId}: all before is acked. */
    CompletableFuture<Void> resetCursor(
            String tenant, String namespace, String topic, String subscription, long ledgerId, long entryId) {
        return callAsync(
                        "POST",
                        topicPath(tenant, namespace, topic) + "/subscription/" + subscription + "/resetcursor",
                        position(ledgerId, entryId),
                        Set.of(204))
                .thenApply(x -> null);
    }

    /** Asks the broker to delete the ledgers every subscription acknowledged, beyond the retention policy, now. */
    CompletableFuture<Void> trim(String tenant, String namespace, String topic) {
        return callAsync("POST", topicPath(tenant, namespace, topic) + "/trim", "", Set.of(200, 204))
                .thenApply(x -> null);
    }

    /** The ids of the ledgers the topic holds, oldest first, the current one included (its internal stats). */
    CompletableFuture<List<Long>> ledgerIds(String tenant, String namespace, String topic) {
        return callAsync("GET", topicPath(tenant, namespace, topic) + "/internalStats", "", Set.of(200))
                .thenApply(json -> {
                    try {
                        return ledgerIdsIn(json);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
    }

    private static String position(long ledgerId, long entryId) {
        return "{\"ledgerId\":" + ledgerId + ",\"entryId\":" + entryId + ",\"partitionIndex\":-1,\"batchIndex\":-1}";
    }

    /** The {@code ledgerId} of each element of the top-level {@code ledgers} array of a topic's internal stats. */
    static List<Long> ledgerIdsIn(String internalStatsJson) throws IOException {
        return fieldOfEach(
                internalStatsJson, "ledgers", "ledgerId", JsonToken.VALUE_NUMBER_INT, JsonParser::getLongValue);
    }

    /** How {@link #fieldOfEach} reads one value. */
    private interface Value<T> {
        T read(JsonParser p) throws IOException;
    }

    /**
     * The field {@code field} (of JSON type {@code type}) of each object in the top-level array {@code array} of the
     * JSON object {@code json}; elements without it are skipped.
     */
    private static <T> List<T> fieldOfEach(String json, String array, String field, JsonToken type, Value<T> value)
            throws IOException {
        List<T> values = new ArrayList<>();
        try (JsonParser p = Json.FACTORY.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("not a JSON object: " + array + " expected");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken token = p.nextToken();
                if (array.equals(name) && token == JsonToken.START_ARRAY) {
                    while (p.nextToken() == JsonToken.START_OBJECT) {
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String inner = p.currentName();
                            p.nextToken();
                            if (field.equals(inner) && p.currentToken() == type) {
                                values.add(value.read(p));
                            } else {
                                p.skipChildren();
                            }
                        }
                    }
                } else {
                    p.skipChildren();
                }
            }
        }
        return values;
    }

    /**
     * The names of the producers connected to the topic (its stats' {@code publishers}); empty when none is, and
     * {@code null} when the topic does not exist.
     */
    List<String> producerNames(String tenant, String namespace, String topic) throws IOException {
        HttpRequest request = request("GET", topicPath(tenant, namespace, topic) + "/stats", "");
        HttpResponse<String> response = send(request);
        if (response.statusCode() == 404) {
            return null;
        }
        if (response.statusCode() != 200) {
            throw new IOException(describe(request, response));
        }
        return publisherNames(response.body());
    }

    /** The full names of the namespace's non-partitioned persistent topics ({@code persistent://t/ns/name}). */
    List<String> listTopics(String tenant, String namespace) throws IOException {
        return strings("topic list", call("GET", "/admin/v2/persistent/" + tenant + "/" + namespace, "", Set.of(200)));
    }

    /** The names of the clusters registered with the brokers (in their configuration store). */
    List<String> clusters() throws IOException {
        return strings("cluster list", call("GET", "/admin/v2/clusters", "", Set.of(200)));
    }

    /** Sets the clusters Pulsar's geo-replication copies the namespace's topics to (this cluster included). */
    void setReplicationClusters(String tenant, String namespace, List<String> clusters) throws IOException {
        StringBuilder json = new StringBuilder("[");
        for (String c : clusters) {
            json.append(json.length() > 1 ? "," : "").append('"').append(c).append('"'); // names are [A-Za-z0-9._-]
        }
        call("POST", "/admin/v2/namespaces/" + tenant + "/" + namespace + "/replication", json + "]", Set.of(200, 204));
    }

    /** The clusters Pulsar's geo-replication copies the namespace's topics to. */
    List<String> replicationClusters(String tenant, String namespace) throws IOException {
        return strings(
                "replication clusters",
                call("GET", "/admin/v2/namespaces/" + tenant + "/" + namespace + "/replication", "", Set.of(200)));
    }

    /** The elements of a JSON array of strings. */
    private static List<String> strings(String what, String json) throws IOException {
        List<String> names = new ArrayList<>();
        try (JsonParser p = Json.FACTORY.createParser(json)) {
            if (p.nextToken() != JsonToken.START_ARRAY) {
                throw new IOException(what + " is not a JSON array");
            }
            while (p.nextToken() == JsonToken.VALUE_STRING) {
                names.add(p.getText());
            }
        }
        return names;
    }

    /** The {@code producerName} of each element of the top-level {@code publishers} array of topic stats. */
    static List<String> publisherNames(String statsJson) throws IOException {
        return fieldOfEach(statsJson, "publishers", "producerName", JsonToken.VALUE_STRING, JsonParser::getText);
    }

    private static String topicPath(String tenant, String namespace, String topic) {
        return "/admin/v2/persistent/" + tenant + "/" + namespace + "/" + topic;
    }

    /** Makes one call; returns the body of an answer whose status is in {@code ok}. */
    private String call(String method, String path, String json, Set<Integer> ok) throws IOException {
        HttpRequest request = request(method, path, json);
        HttpResponse<String> response = send(request);
        if (!ok.contains(response.statusCode())) {
            throw new IOException(describe(request, response));
        }
        return response.body();
    }

    /** As {@link #call}, without blocking: fails with an {@link IOException} (as the cause) on another status. */
    private CompletableFuture<String> callAsync(String method, String path, String json, Set<Integer> ok) {
        HttpRequest request = request(method, path, json);
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).thenApply(r -> {
            if (!ok.contains(r.statusCode())) {
                throw new java.util.concurrent.CompletionException(new IOException(describe(request, r)));
            }
            return r.body();
        });
    }

    private HttpResponse<String> send(HttpRequest request) throws IOException {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (java.net.ConnectException e) {
            throw new IOException("cannot connect: " + request.method() + " " + request.uri() + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + request.method() + " " + request.uri(), e);
        }
    }

    private HttpRequest request(String method, String path, String json) {
        return HttpRequest.newBuilder(base.resolve(path))
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(json))
                .build();
    }

    private static String describe(HttpRequest request, HttpResponse<String> response) {
        return "Pulsar admin " + request.method() + " " + request.uri() + " answered " + response.statusCode() + ": "
                + response.body();
    }
}
