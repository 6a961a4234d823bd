package io.tributary.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import io.tributary.hub.client.AdminClient;
import io.tributary.hub.client.Producer;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.hub.client.group.GroupConsumer;
import io.tributary.hub.client.group.GroupConsumerOptions;
import io.tributary.hub.group.CheckpointEveryBatch;
import io.tributary.protocol.v1.AckLevel;
import io.tributary.protocol.v1.CreateStream;
import io.tributary.protocol.v1.PartitionKeyMode;
import io.tributary.protocol.v1.RegionEndpoint;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hub console's JSON API against a running hub with streams, records, a consumer group and a producer connected:
 * every list, its paging, the shapes the page reads; 404s; and the hub's credentials guarding the console.
 */
class HubConsoleIT {
    private static final int RECORDS = 40;

    @TempDir
    Path dir;

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private HttpResponse<String> get(int port, String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(20))
                .GET();
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The JSON answer of a 200, as a protobuf Struct (numbers are doubles). */
    private Struct json(int port, String path) throws Exception {
        HttpResponse<String> r = get(port, path);
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).contains("application/json; charset=utf-8");
        Struct.Builder s = Struct.newBuilder();
        JsonFormat.parser().merge(r.body(), s);
        return s.build();
    }

    private static List<Value> items(Struct page) {
        return page.getFieldsOrThrow("items").getListValue().getValuesList();
    }

    private static String str(Value v, String field) {
        return v.getStructValue().getFieldsOrThrow(field).getStringValue();
    }

    private static double num(Value v, String field) {
        return v.getStructValue().getFieldsOrThrow(field).getNumberValue();
    }

    private static ListValue list(Value v, String field) {
        return v.getStructValue().getFieldsOrThrow(field).getListValue();
    }

    @Test
    void api_describesStreamsShardsGroupsAndConnectedProducers() throws Exception {
        try (Hub hub = Hub.start(TestHubs.config(dir, Map.of("metrics-port", "0", "groups.lease-timeout", "2s")));
                ClientResources resources = new ClientResources(1)) {
            for (String s : List.of("gamma", "alpha", "beta")) {
                TestHubs.createStream(resources, TestHubs.client(hub.port()), s, s.equals("alpha") ? 2 : 1);
            }
            int port = hub.metricsPort().orElseThrow();
            try (Producer producer = Producer.create(
                    resources, TestHubs.client(hub.port()), TestHubs.producer("alpha", "console-producer", 5))) {
                for (int i = 0; i < RECORDS; i++) {
                    producer.put("key-" + i % 4, ("r" + i).getBytes(StandardCharsets.UTF_8));
                }
                producer.flush().get(20, TimeUnit.SECONDS);

                Struct overview = json(port, "/api/overview");
                assertThat(overview.getFieldsOrThrow("hub").getStringValue())
                        .isEqualTo(hub.config().hubId());
                assertThat(overview.getFieldsOrThrow("auth").getBoolValue()).isFalse();
                assertThat(overview.getFieldsOrThrow("streams").getNumberValue())
                        .isEqualTo(3);
                assertThat(overview.getFieldsOrThrow("health")
                                .getStructValue()
                                .getFieldsOrThrow("status")
                                .getStringValue())
                        .isEqualTo("ok");
                assertThat(json(port, "/api").getFieldsOrThrow("hub").getStringValue())
                        .isEqualTo(hub.config().hubId());

                Struct first = json(port, "/api/streams?limit=2");
                assertThat(first.getFieldsOrThrow("total").getNumberValue()).isEqualTo(3);
                assertThat(items(first)).extracting(v -> str(v, "name")).containsExactly("alpha", "beta");
                assertThat(num(items(first).get(0), "next_sequence_total")).isEqualTo(RECORDS);
                assertThat(num(items(first).get(0), "records")).isEqualTo(RECORDS);
                Struct second = json(port, "/api/streams?offset=2&limit=2");
                assertThat(items(second)).extracting(v -> str(v, "name")).containsExactly("gamma");

                Struct alpha = json(port, "/api/streams/alpha");
                List<Value> shards =
                        alpha.getFieldsOrThrow("shards").getListValue().getValuesList();
                assertThat(shards).extracting(v -> str(v, "id")).containsExactly("shard-000000", "shard-000001");
                assertThat(str(shards.get(0), "start_hash")).isEqualTo("0x0000000000000000");
                assertThat(str(shards.get(0), "end_hash")).isEqualTo("0x7fffffffffffffff");
                assertThat(str(shards.get(1), "start_hash")).isEqualTo("0x8000000000000000");
                assertThat(str(shards.get(1), "end_hash")).isEqualTo("0xffffffffffffffff");
                assertThat(shards).allSatisfy(s -> assertThat(str(s, "status")).isEqualTo("online"));
                assertThat(shards.stream()
                                .mapToDouble(s -> num(s, "next_sequence"))
                                .sum())
                        .isEqualTo(RECORDS);

                Struct edges = json(port, "/api/edges");
                assertThat(items(edges)).singleElement().satisfies(e -> {
                    assertThat(str(e, "id")).isEqualTo("console-producer");
                    assertThat(str(e, "role")).isEqualTo("producer");
                    assertThat(str(e, "grant")).isNotEmpty();
                });
            }
            await().atMost(Duration.ofSeconds(10))
                    .until(() ->
                            json(port, "/api/edges").getFieldsOrThrow("total").getNumberValue() == 0);

            try (GroupConsumer consumer = GroupConsumer.start(
                    resources,
                    TestHubs.client(hub.port()),
                    GroupConsumerOptions.of("alpha", "dashboard").withHeartbeat(Duration.ofMillis(200)),
                    CheckpointEveryBatch::new)) {
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    List<Value> groups = items(json(port, "/api/groups?stream=alpha"));
                    assertThat(groups).singleElement().satisfies(g -> {
                        assertThat(str(g, "group")).isEqualTo("dashboard");
                        assertThat(num(g, "members")).isEqualTo(1);
                        assertThat(num(g, "lag_records")).isZero();
                        assertThat(list(g, "shards").getValuesList())
                                .extracting(s -> str(s, "owner"))
                                .containsOnly(consumer.memberId());
                        assertThat(list(g, "shards").getValuesList().stream()
                                        .mapToDouble(s -> num(s, "checkpoint") + 1)
                                        .sum())
                                .isEqualTo(RECORDS);
                    });
                });
                assertThat(items(json(port, "/api/groups")))
                        .extracting(v -> str(v, "stream"))
                        .containsExactly("alpha");
                assertThat(json(port, "/api/groups?stream=beta")
                                .getFieldsOrThrow("total")
                                .getNumberValue())
                        .isZero();
            }

            assertThat(json(port, "/api/replication").getFieldsOrThrow("total").getNumberValue())
                    .isZero();
            for (String missing : List.of(
                    "/api/streams/nope", "/api/groups?stream=nope", "/api/streams/alpha/extra", "/api/consumers")) {
                HttpResponse<String> r = get(port, missing);
                assertThat(r.statusCode()).as(missing).isEqualTo(404);
                assertThat(r.body()).as(missing).startsWith("{\"error\":");
            }
            assertThat(get(port, "/api/streams?limit=9999").statusCode()).isEqualTo(400);
            assertThat(get(port, "/console/").body()).contains("<title>Tributary hub console</title>");
            assertThat(hub.registry().scrape()).contains("tributary_console_requests_total{");
        }
    }

    @Test
    void withATokensFile_theConsoleNeedsAHubCredential_metricsAndHealthStayOpen() throws Exception {
        Path tokens = Files.writeString(dir.resolve("tokens"), "console-token\n");
        Path users = Files.writeString(dir.resolve("users"), "ops:ops-password\n");
        Path data = Files.createDirectories(dir.resolve("data"));
        try (Hub hub = Hub.start(TestHubs.config(
                data,
                Map.of("metrics-port", "0", "tokens-file", tokens.toString(), "credentials-file", users.toString())))) {
            int port = hub.metricsPort().orElseThrow();
            HttpResponse<String> refused = get(port, "/api/overview");
            assertThat(refused.statusCode()).isEqualTo(401);
            assertThat(refused.headers().firstValue("WWW-Authenticate"))
                    .contains("Basic realm=\"tributary\", charset=\"UTF-8\"");
            assertThat(get(port, "/console/").statusCode()).isEqualTo(401);
            assertThat(get(port, "/api/overview", "Authorization", "Bearer wrong")
                            .statusCode())
                    .isEqualTo(401);
            assertThat(get(port, "/api/overview", "Authorization", basic("ops", "wrong"))
                            .statusCode())
                    .isEqualTo(401);

            assertThat(get(port, "/api/overview", "Authorization", "Bearer console-token")
                            .statusCode())
                    .isEqualTo(200);
            assertThat(get(port, "/console/", "Authorization", basic("ops", "ops-password"))
                            .statusCode())
                    .isEqualTo(200);
            // a browser prompt with tokens only: any user name, the token as password
            HttpResponse<String> viaPrompt = get(port, "/api/overview", "Authorization", basic("me", "console-token"));
            assertThat(viaPrompt.statusCode()).isEqualTo(200);
            assertThat(viaPrompt.body()).contains("\"auth\":true");

            assertThat(get(port, "/metrics").statusCode()).isEqualTo(200);
            assertThat(get(port, "/health").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void replication_showsEachReplicaRegionsStateAndLag() throws Exception {
        try (Hub us = Hub.start(TestHubs.config(dir.resolve("us"), Map.of("region", "us", "hub-id", "hub-us")));
                Hub eu = Hub.start(TestHubs.config(
                        dir.resolve("eu"), Map.of("region", "eu", "hub-id", "hub-eu", "metrics-port", "0")));
                ClientResources resources = new ClientResources(1);
                AdminClient admin = AdminClient.connect(resources, TestHubs.client(eu.port()))) {
            admin.createStream(CreateStream.newBuilder()
                    .setStream("replicated")
                    .setShardCount(2)
                    .setKeyMode(PartitionKeyMode.PARTITION_KEY_MODE_GROUP)
                    .addReplicas(RegionEndpoint.newBuilder().setRegion("us").setEndpoint("127.0.0.1:" + us.port()))
                    .setAckLevel(AckLevel.ACK_LEVEL_LOCAL)
                    .build());
            try (Producer producer = Producer.create(
                    resources, TestHubs.client(eu.port()), TestHubs.producer("replicated", "p-eu", 5))) {
                for (int i = 0; i < RECORDS; i++) {
                    producer.put("key-" + i % 4, ("r" + i).getBytes(StandardCharsets.UTF_8));
                }
                producer.flush().get(20, TimeUnit.SECONDS);
            }
            int port = eu.metricsPort().orElseThrow();

            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                Struct page = json(port, "/api/replication");
                assertThat(items(page)).singleElement().satisfies(stream -> {
                    assertThat(str(stream, "stream")).isEqualTo("replicated");
                    assertThat(str(stream, "home_region")).isEqualTo("eu");
                    assertThat(str(stream, "ack")).isEqualTo("local");
                    assertThat(list(stream, "regions").getValuesList())
                            .extracting(r -> str(r, "region"))
                            .containsExactlyInAnyOrder("eu", "us");
                    List<Value> replicas = list(stream, "shards").getValuesList().stream()
                            .flatMap(s -> list(s, "replicas").getValuesList().stream())
                            .toList();
                    assertThat(replicas).hasSize(2).allSatisfy(r -> {
                        assertThat(str(r, "region")).isEqualTo("us");
                        assertThat(str(r, "state")).isEqualTo("following");
                        assertThat(num(r, "lag_records")).isZero();
                    });
                    assertThat(replicas.stream()
                                    .mapToDouble(r -> num(r, "next_sequence"))
                                    .sum())
                            .isEqualTo(RECORDS);
                });
            });
            Struct summary = items(json(port, "/api/streams")).get(0).getStructValue();
            assertThat(summary.getFieldsOrThrow("replica_regions")
                            .getListValue()
                            .getValuesList())
                    .extracting(Value::getStringValue)
                    .containsExactly("us");
        }
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }
}
