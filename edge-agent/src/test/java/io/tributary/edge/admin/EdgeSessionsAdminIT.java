package io.tributary.edge.admin;

import static io.tributary.edge.admin.AdminRuns.admin;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.edge.EdgeAgent;
import io.tributary.edge.admin.AdminRuns.Run;
import io.tributary.edge.forward.FakeHub;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /api/sessions}, {@code /api/subscriptions} and {@code tributary edge-admin sessions|subscriptions} against a
 * running agent holding two sessions: "keeper", persistent (MQTT 3.1.1 clean session 0) and disconnected, with two
 * subscriptions (one shared) and one QoS 1 message queued for it; and "watcher", connected with a clean MQTT 5
 * session and one subscription with every option set. Paged one by one, both lists come sorted and complete.
 */
class EdgeSessionsAdminIT {
    @TempDir
    Path dir;

    private FakeHub hub;
    private EdgeAgent agent;
    private MqttAsyncClient watcher;

    private EdgeAgent startAgent() throws Exception {
        return AdminRuns.startAgent(
                "edge-sessions-it",
                dir,
                hub,
                Map.of(
                        "mqtt.forward", "tributary/#", // local/... stays on the edge
                        "mqtt.session-expiry-max", "1h"));
    }

    @BeforeEach
    void start() throws Exception {
        hub = new FakeHub();
        agent = startAgent();
        String uri = "tcp://127.0.0.1:" + agent.mqttAddress().orElseThrow().getPort();

        MqttClient keeper = new MqttClient(uri, "keeper", new MemoryPersistence());
        MqttConnectOptions persistent = new MqttConnectOptions();
        persistent.setCleanSession(false);
        keeper.connect(persistent);
        keeper.subscribe(new String[] {"local/alerts/#", "$share/ops/local/jobs/+"}, new int[] {1, 2});
        keeper.disconnect();
        keeper.close();

        watcher = new MqttAsyncClient(uri, "watcher", new org.eclipse.paho.mqttv5.client.persist.MemoryPersistence());
        MqttConnectionOptions clean = new MqttConnectionOptions();
        clean.setCleanStart(true);
        watcher.connect(clean).waitForCompletion(10_000);
        MqttSubscription cmd = new MqttSubscription("local/cmd/#", 1);
        cmd.setNoLocal(true);
        cmd.setRetainAsPublished(true);
        cmd.setRetainHandling(2);
        MqttProperties id = new MqttProperties();
        id.setSubscriptionIdentifier(7);
        watcher.subscribe(new MqttSubscription[] {cmd}, null, null, id).waitForCompletion(10_000);

        MqttClient pub = new MqttClient(uri, "pub", new MemoryPersistence());
        pub.connect();
        pub.publish("local/alerts/fire", "hot".getBytes(StandardCharsets.UTF_8), 1, false);
        pub.disconnect();
        pub.close();
        // the publisher's clean session goes when its connection closes; the message stays queued for keeper
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            Map<String, Object> doc = json("sessions");
            return doc.get("total").equals(2L) && item(doc, 0).get("queued").equals(1L);
        });
    }

    @AfterEach
    void stop() throws Exception {
        if (watcher != null) {
            watcher.disconnect().waitForCompletion(10_000);
            watcher.close();
        }
        if (agent != null) {
            agent.close();
        }
        hub.close();
    }

    private String edge() {
        return "127.0.0.1:" + agent.metricsAddress().orElseThrow().getPort();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://" + edge() + "/api/" + path))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> json(String path) throws Exception {
        HttpResponse<String> r = get(path);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return (Map<String, Object>) JsonTree.parse(r.body());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> item(Map<String, Object> page, int i) {
        return (Map<String, Object>) ((List<Object>) page.get("items")).get(i);
    }

    @Test
    void sessions_pagedOneByOne_sortedByClientId_withTheirState() throws Exception {
        long now = System.currentTimeMillis();
        Map<String, Object> first = json("sessions?limit=1");
        assertThat(first).containsEntry("total", 2L).containsEntry("offset", 0L).containsEntry("limit", 1L);
        assertThat((List<?>) first.get("items")).hasSize(1);
        Map<String, Object> keeper = item(first, 0);
        assertThat(keeper)
                .containsEntry("client_id", "keeper")
                .containsEntry("connected", false)
                .containsEntry("persistent", true)
                .containsEntry("expiry_s", 3600L)
                .containsEntry("subscriptions", 2L)
                .containsEntry("queued", 1L)
                .containsEntry("inbound_qos2", 0L);
        assertThat((Long) keeper.get("queued_bytes")).isPositive();
        assertThat((Long) keeper.get("expires_at_ms")).isBetween(now + 3_500_000, now + 3_600_000);

        Map<String, Object> second = json("sessions?offset=1&limit=1");
        assertThat(second).containsEntry("total", 2L).containsEntry("offset", 1L);
        assertThat(item(second, 0))
                .containsEntry("client_id", "watcher")
                .containsEntry("connected", true)
                .containsEntry("persistent", false)
                .containsEntry("expiry_s", 0L)
                .containsEntry("expires_at_ms", 0L)
                .containsEntry("subscriptions", 1L)
                .containsEntry("queued", 0L)
                .containsEntry("queued_bytes", 0L);
        assertThat((List<?>) json("sessions?offset=2&limit=1").get("items")).isEmpty();

        Map<String, Object> one = json("sessions/keeper");
        assertThat(one).containsEntry("client_id", "keeper").containsEntry("queued", 1L);
        assertThat(((List<?>) one.get("filters")).stream().map(f -> String.valueOf(((Map<?, ?>) f).get("filter"))))
                .containsExactly("$share/ops/local/jobs/+", "local/alerts/#");
        assertThat(get("sessions/nobody").statusCode()).isEqualTo(404);
    }

    @Test
    void persistentSession_listedAgainAfterARestart_withItsExpiryAndQueue() throws Exception {
        watcher.disconnect().waitForCompletion(10_000);
        watcher.close();
        watcher = null;
        agent.close();
        long restarted = System.currentTimeMillis();
        agent = startAgent(); // the expiry interval now comes from the session journal
        Map<String, Object> doc = json("sessions");
        assertThat(doc).containsEntry("total", 1L);
        assertThat(item(doc, 0))
                .containsEntry("client_id", "keeper")
                .containsEntry("connected", false)
                .containsEntry("persistent", true)
                .containsEntry("expiry_s", 3600L)
                .containsEntry("subscriptions", 2L)
                .containsEntry("queued", 1L);
        assertThat((Long) item(doc, 0).get("expires_at_ms")).isBetween(restarted, restarted + 3_600_000);
    }

    @Test
    void subscriptions_pagedOneByOne_sortedByClientThenFilter_withTheirOptions() throws Exception {
        Map<String, Object> p0 = json("subscriptions?limit=1");
        Map<String, Object> p1 = json("subscriptions?offset=1&limit=1");
        Map<String, Object> p2 = json("subscriptions?offset=2&limit=1");
        assertThat(p0).containsEntry("total", 3L).containsEntry("limit", 1L);
        assertThat(item(p0, 0)).isEqualTo(subscription("keeper", "$share/ops/local/jobs/+", 2, false, false, 0, 0));
        assertThat(item(p1, 0)).isEqualTo(subscription("keeper", "local/alerts/#", 1, false, false, 0, 0));
        assertThat(item(p2, 0)).isEqualTo(subscription("watcher", "local/cmd/#", 1, true, true, 2, 7));
    }

    /** One item of /api/subscriptions, exactly. */
    private static Map<String, Object> subscription(
            String client, String filter, long qos, boolean noLocal, boolean asPublished, long handling, long id) {
        return Map.of(
                "client_id", client,
                "filter", filter,
                "qos", qos,
                "no_local", noLocal,
                "retain_as_published", asPublished,
                "retain_handling", handling,
                "subscription_id", id);
    }

    @Test
    void badPagingParameters_are400() throws Exception {
        for (String path : List.of("sessions?limit=0", "sessions?offset=x", "subscriptions?limit=501")) {
            HttpResponse<String> r = get(path);
            assertThat(r.statusCode()).as(path).isEqualTo(400);
            assertThat(r.body()).as(path).contains("\"error\"");
        }
        assertThat(get("subscriptions/keeper").statusCode()).isEqualTo(404);
        Run bad = admin("sessions", "--limit", "0", "--edge", edge());
        assertThat(bad.status()).isEqualTo(1);
        assertThat(bad.err()).contains("HTTP 400").contains("limit must be between 1 and 500");
    }

    @Test
    void cli_tablesDetailAndJson() {
        Run sessions = admin("sessions", "--edge", edge());
        assertThat(sessions.status()).as(sessions.err()).isZero();
        List<String> lines = sessions.out().lines().toList();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).startsWith("CLIENT ID").contains("PERSISTENT").contains("QUEUED");
        assertThat(lines.get(1).split("\\s+")).startsWith("keeper", "false", "true", "3600");
        assertThat(lines.get(2).split("\\s+"))
                .containsExactly("watcher", "true", "false", "0", "-", "1", "0", "0", "0");

        Run one = admin("sessions", "keeper", "--edge", edge());
        assertThat(one.status()).as(one.err()).isZero();
        assertThat(one.out())
                .contains("persistent    true")
                .contains("queued        1")
                .contains("$share/ops/local/jobs/+")
                .contains("local/alerts/#");

        Run subs = admin("subscriptions", "--edge", edge(), "--limit", "2");
        assertThat(subs.status()).as(subs.err()).isZero();
        assertThat(subs.out().lines().findFirst().orElseThrow())
                .startsWith("CLIENT ID")
                .contains("FILTER")
                .contains("SUB ID");
        assertThat(subs.out())
                .contains("$share/ops/local/jobs/+")
                .contains("local/alerts/#")
                .doesNotContain("local/cmd/#")
                .contains("(2 of 3 subscriptions from offset 0; use --offset and --limit for more)");
        Run last = admin("subscriptions", "--edge", edge(), "--offset", "2");
        assertThat(last.out().lines().toList().get(1).split("\\s+"))
                .containsExactly("watcher", "local/cmd/#", "1", "true", "true", "2", "7");

        Run json = admin("--json", "sessions", "--edge", edge(), "--limit", "1");
        assertThat(json.status()).isZero();
        assertThat(json.out())
                .startsWith("{")
                .contains("\"total\":2")
                .contains("\"client_id\":\"keeper\"")
                .doesNotContain("watcher");
        assertThat(admin("--help").out())
                .containsPattern("\\n  sessions +MQTT sessions")
                .containsPattern("\\n  subscriptions +Subscriptions");
        Run subsJson = admin("subscriptions", "--json", "--edge", edge());
        assertThat(subsJson.out()).contains("\"total\":3").contains("\"subscription_id\":7");
    }
}
