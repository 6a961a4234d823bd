package io.tributary.edge.mqtt;

import static io.tributary.edge.mqtt.TestServer.PASSWORD;
import static io.tributary.edge.mqtt.TestServer.USER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
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

    @ParameterizedTest
    @CsvSource({"mqttv311,1", "mqttv311,2", "mqttv5,1", "mqttv5,2"})
    void mosquittoPub_withPassword_storedOnce(String version, String qos) throws Exception {
        assumeTrue(onPath("mosquitto_pub"), "mosquitto_pub not installed (apt-get install mosquitto-clients)");
        server = TestServer.start(ManualSink.automatic());
        Process pub = new ProcessBuilder(
                        "mosquitto_pub",
                        "-h",
                        "127.0.0.1",
                        "-p",
                        Integer.toString(server.address().getPort()),
                        "-V",
                        version,
                        "-q",
                        qos,
                        "-u",
                        USER,
                        "-P",
                        PASSWORD,
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
}
