package io.tributary.edge.admin;

import static io.tributary.edge.admin.AdminRuns.admin;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.edge.EdgeAgent;
import io.tributary.edge.admin.AdminRuns.Run;
import io.tributary.edge.forward.FakeHub;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tributary edge-admin} against a running agent: what an MQTT client published shows up in the device
 * registry (and survives a restart of the agent), retained messages and the ledger are listed, {@code --json} prints
 * the API's answer, and an unreachable edge or an unknown device is an error with exit status 1.
 */
class EdgeAdminIT {
    @TempDir
    Path dir;

    private FakeHub hub;
    private EdgeAgent agent;

    private EdgeAgent startAgent() throws Exception {
        return AdminRuns.startAgent("edge-admin-it", dir, hub, Map.of());
    }

    @BeforeEach
    void start() throws Exception {
        hub = new FakeHub();
        agent = startAgent();
        MqttClient device = new MqttClient(
                "tcp://127.0.0.1:" + agent.mqttAddress().orElseThrow().getPort(),
                "press-client",
                new MemoryPersistence());
        MqttConnectOptions options = new MqttConnectOptions();
        options.setCleanSession(true);
        device.connect(options);
        device.publish("tributary/plant-1/press-7/temp", "21.5".getBytes(StandardCharsets.UTF_8), 1, false);
        device.publish("tributary/plant-1/press-7/temp", "22.0".getBytes(StandardCharsets.UTF_8), 1, false);
        device.publish("tributary/plant-1/press-7/rpm", "900".getBytes(StandardCharsets.UTF_8), 1, true);
        device.publish("tributary/plant-2/pump-3/flow", "7".getBytes(StandardCharsets.UTF_8), 1, false);
        device.disconnect();
        device.close();
    }

    @AfterEach
    void stop() throws Exception {
        if (agent != null) {
            agent.close();
        }
        hub.close();
    }

    private String edge() {
        return "127.0.0.1:" + agent.metricsAddress().orElseThrow().getPort();
    }

    @Test
    void devices_tableDetailAndJson_andTheyOutliveARestart() throws Exception {
        Run list = admin("devices", "--edge", edge());
        assertThat(list.status()).as(list.err()).isZero();
        assertThat(list.out().lines().findFirst().orElseThrow())
                .startsWith("DEVICE")
                .contains("LAST VALUES");
        assertThat(list.out()).contains("press-7").contains("plant-1").contains("press-client");
        assertThat(list.out()).contains("temp=22.0").contains("rpm=900").contains("pump-3");

        Run one = admin("devices", "press-7", "--edge", edge());
        assertThat(one.status()).as(one.err()).isZero();
        assertThat(one.out())
                .contains("publishes    3")
                .contains("connected    false")
                .contains("22.0");

        Run json = admin("--json", "devices", "--edge", edge(), "--limit", "1");
        assertThat(json.status()).isZero();
        assertThat(json.out()).contains("\"total\":2").contains("\"limit\":1").contains("\"device\":\"press-7\"");

        agent.close();
        agent = startAgent(); // the registry was flushed at close and is read back
        Run after = admin("devices", "press-7", "--edge", edge());
        assertThat(after.out()).contains("publishes    3").contains("22.0");
    }

    @Test
    void retainedLedgerClientsLanes_answer() {
        Run retained = admin("retained", "--edge", edge());
        assertThat(retained.status()).as(retained.err()).isZero();
        assertThat(retained.out())
                .contains("tributary/plant-1/press-7/rpm")
                .contains("900")
                .contains("never");

        Run filtered = admin("retained", "--filter", "tributary/plant-2/#", "--edge", edge());
        assertThat(filtered.out()).doesNotContain("press-7");

        Run bad = admin("retained", "--filter", "a/#/b", "--edge", edge());
        assertThat(bad.status()).isEqualTo(1);
        assertThat(bad.err()).contains("HTTP 400").contains("'#' must be the last level");

        await().atMost(Duration.ofSeconds(10))
                .until(() -> admin("clients", "--edge", edge()).out().lines().count()
                        == 1); // the device disconnected: the header only
        Run ledger = admin("ledger", "--edge", edge());
        assertThat(ledger.status()).isZero();
        assertThat(ledger.out()).contains("buffer  expired    0").contains("Nothing refused or dropped.");
        assertThat(admin("lanes", "--edge", edge()).status()).isZero();
    }

    @Test
    void unknownDeviceUnreachableEdgeAndNoCommand_areErrors() throws Exception {
        Run unknown = admin("devices", "nope", "--edge", edge());
        assertThat(unknown.status()).isEqualTo(1);
        assertThat(unknown.err()).contains("HTTP 404").contains("no device 'nope'");

        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        Run down = admin("ledger", "--edge", "127.0.0.1:" + closedPort);
        assertThat(down.status()).isEqualTo(1);
        assertThat(down.err()).contains("cannot ask the edge at 127.0.0.1:" + closedPort);

        Run none = admin();
        assertThat(none.status()).isEqualTo(2);
        assertThat(none.err()).contains("Usage: edge-admin");
    }
}
