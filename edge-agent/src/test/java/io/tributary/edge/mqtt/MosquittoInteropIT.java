package io.tributary.edge.mqtt;

import static io.tributary.edge.mqtt.TestServer.PASSWORD;
import static io.tributary.edge.mqtt.TestServer.USER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code mosquitto_pub} (package mosquitto-clients) against the endpoint; skipped when it is not installed. */
class MosquittoInteropIT {

    private TestServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static boolean onPath(String command) {
        String path = System.getenv().getOrDefault("PATH", "");
        return List.of(path.split(File.pathSeparator)).stream().anyMatch(dir -> new File(dir, command).canExecute());
    }

    /** Starts a mosquitto client tool against the server as the test user, with more arguments. */
    private ProcessBuilder mosquitto(String tool, String version, String... more) {
        List<String> command = new java.util.ArrayList<>(List.of(
                tool,
                "-h",
                "127.0.0.1",
                "-p",
                Integer.toString(server.address().getPort()),
                "-V",
                version,
                "-u",
                USER,
                "-P",
                PASSWORD));
        command.addAll(List.of(more));
        return new ProcessBuilder(command);
    }

    @ParameterizedTest
    @CsvSource({"mqttv311,1", "mqttv311,2", "mqttv5,1", "mqttv5,2"})
    void mosquittoPub_withPassword_storedOnce(String version, String qos) throws Exception {
        assumeTrue(onPath("mosquitto_pub"), "mosquitto_pub not installed (apt-get install mosquitto-clients)");
        server = TestServer.start(ManualSink.automatic());
        Process pub = mosquitto(
                        "mosquitto_pub",
                        version,
                        "-q",
                        qos,
                        "-i",
                        "mosq-" + version,
                        "-t",
                        "tributary/g/mosq/m",
                        "-m",
                        "{\"v\":1}")
                .redirectErrorStream(true)
                .start();
        assertThat(pub.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(pub.exitValue())
                .as(new String(pub.getInputStream().readAllBytes()))
                .isZero();
        assertThat(server.sink.payloads()).containsExactly("{\"v\":1}");
    }

    @ParameterizedTest
    @CsvSource({"mqttv311", "mqttv5"})
    void mosquittoSub_receivesWhatIsPublished(String version) throws Exception {
        assumeTrue(onPath("mosquitto_sub"), "mosquitto_sub not installed (apt-get install mosquitto-clients)");
        server = TestServer.start(ManualSink.automatic());
        Process sub = mosquitto("mosquitto_sub", version, "-q", "1", "-t", "tributary/#", "-v", "-C", "1", "-W", "20")
                .start();
        try {
            org.awaitility.Awaitility.await()
                    .atMost(java.time.Duration.ofSeconds(15))
                    .until(() -> server.registry
                                    .get("tributary.edge.mqtt.subscriptions")
                                    .gauge()
                                    .value()
                            == 1);
            try (RawMqttClient pub = RawMqttClient.to(server.address())) {
                pub.connect(io.netty.handler.codec.mqtt.MqttVersion.MQTT_5, "pub", USER, PASSWORD);
                pub.publish("tributary/g/mosq/temp", 1, 1, false, "{\"v\":2}");
                pub.next();
            }
            assertThat(sub.waitFor(20, TimeUnit.SECONDS)).isTrue();
            assertThat(new String(sub.getInputStream().readAllBytes()).trim())
                    .isEqualTo("tributary/g/mosq/temp {\"v\":2}");
        } finally {
            sub.destroyForcibly();
        }
    }

    @Test
    void mosquittoPubRetained_thenMosquittoSub_getsItFlagged() throws Exception {
        assumeTrue(onPath("mosquitto_sub"), "mosquitto_sub not installed (apt-get install mosquitto-clients)");
        server = TestServer.start(ManualSink.automatic());
        Process pub = mosquitto("mosquitto_pub", "mqttv5", "-q", "1", "-r", "-t", "tributary/g/mosq/state", "-m", "on")
                .start();
        assertThat(pub.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(pub.exitValue()).isZero();
        // -R would hide retained messages; -F prints the retain flag and the payload
        Process sub = mosquitto("mosquitto_sub", "mqttv311", "-t", "tributary/#", "-C", "1", "-W", "20", "-F", "%r %p")
                .start();
        assertThat(sub.waitFor(25, TimeUnit.SECONDS)).isTrue();
        assertThat(new String(sub.getInputStream().readAllBytes()).trim()).isEqualTo("1 on");
    }
}
