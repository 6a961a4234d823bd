package io.tributary.edge.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.edge.bridge.BridgeConfig;
import io.tributary.edge.buffer.OverflowPolicy;
import io.tributary.protocol.config.ConfigException;
import io.tributary.protocol.v1.Codec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EdgeConfigTest {

    @Test
    void load_fileEnvAndFlags_flagsWin(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("edge.yaml");
        Files.writeString(
                file,
                "agent-id: gw-7\nmqtt:\n  allow-anonymous: true\n  port: 1999\nhub:\n  endpoints: a:1,b:2\n"
                        + "codec: zstd\nbuffer:\n  overflow-policy: drop-oldest\n"
                        + "aggregation:\n  rules: \"sensors/#=window:60s;alarms/#=raw\"\n");

        EdgeConfig c =
                EdgeConfig.load(Optional.of(file), Map.of("TRIBUTARY_EDGE_STREAM", "s1"), Map.of("mqtt.port", "2883"));

        assertThat(c.agentId()).isEqualTo("gw-7");
        assertThat(c.mqtt().port()).isEqualTo(2883);
        assertThat(c.hub().endpoints()).hasSize(2);
        assertThat(c.forwarder().stream()).isEqualTo("s1");
        assertThat(c.forwarder().codec()).isEqualTo(Codec.CODEC_ZSTD);
        assertThat(c.buffer().overflowPolicy()).isEqualTo(OverflowPolicy.DROP_OLDEST);
        assertThat(c.aggregation().rules()).hasSize(2);
        assertThat(c.ttl()).isEqualTo(Duration.ZERO);
        assertThat(c.hub().keepAlive()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void load_hubKeepalive_reachesTheClientOptions() {
        EdgeConfig c = EdgeConfig.load(
                Optional.empty(),
                Map.of("TRIBUTARY_EDGE_HUB_KEEPALIVE", "300ms"),
                Map.of("mqtt.allow-anonymous", "true"));

        assertThat(c.hub().keepAlive()).isEqualTo(Duration.ofMillis(300));
    }

    @Test
    void load_localBrokerKeys_defaultForwardsEverything_badFiltersNamed() {
        EdgeConfig defaults = EdgeConfig.load(Optional.empty(), Map.of(), Map.of("mqtt.allow-anonymous", "true"));
        assertThat(defaults.mqtt().forward()).containsExactly("#");
        assertThat(defaults.mqtt().subscriberQueue()).isEqualTo(1000);
        assertThat(defaults.mqtt().subscriberInFlight()).isEqualTo(100);

        EdgeConfig set = EdgeConfig.load(
                Optional.empty(),
                Map.of("TRIBUTARY_EDGE_MQTT_FORWARD", "tributary/#, alarms/+"),
                Map.of("mqtt.allow-anonymous", "true", "mqtt.subscriber-queue", "50"));
        assertThat(set.mqtt().forward()).containsExactly("tributary/#", "alarms/+");
        assertThat(set.mqtt().forwarded("local/door")).isFalse();
        assertThat(set.mqtt().forwarded("alarms/fire")).isTrue();
        assertThat(set.mqtt().subscriberQueue()).isEqualTo(50);

        assertThatThrownBy(() -> EdgeConfig.load(
                        Optional.empty(),
                        Map.of(),
                        Map.of("mqtt.allow-anonymous", "true", "mqtt.forward", "a/#/b,$share/g/x")))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).problems())
                        .filteredOn(p -> p.startsWith("mqtt.forward"))
                        .hasSize(2));
    }

    @Test
    void load_severalBadValues_reportsEveryProblemAtOnce() {
        assertThatThrownBy(() -> EdgeConfig.load(
                        Optional.empty(),
                        Map.of(),
                        Map.of(
                                "codec", "gzip",
                                "hub.endpoints", "nohost",
                                "aggregation.rules", "x/#=window",
                                "metrics.port", "70000")))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).problems())
                        .anyMatch(p -> p.startsWith("codec"))
                        .anyMatch(p -> p.startsWith("hub.endpoints"))
                        .anyMatch(p -> p.startsWith("aggregation.rules"))
                        .anyMatch(p -> p.startsWith("metrics.port"))
                        .anyMatch(p -> p.startsWith("mqtt.credentials-file")));
    }

    @Test
    void load_noBridgeUrl_bridgeOff() {
        EdgeConfig c = EdgeConfig.load(Optional.empty(), Map.of(), Map.of("mqtt.allow-anonymous", "true"));

        assertThat(c.bridge()).isEmpty();
    }

    @Test
    void load_bridgeUrlOnly_defaultsFilledIn() {
        EdgeConfig c = EdgeConfig.load(
                Optional.empty(),
                Map.of("TRIBUTARY_EDGE_BRIDGE_URL", "tcp://127.0.0.1:1883"),
                Map.of("agent-id", "gw-3", "mqtt.allow-anonymous", "true", "bridge.topics", "a/#, b/+/c"));

        BridgeConfig b = c.bridge().orElseThrow();
        assertThat(b.url()).isEqualTo("tcp://127.0.0.1:1883");
        assertThat(b.topics()).containsExactly("a/#", "b/+/c");
        assertThat(b.clientId()).isEqualTo("tributary-bridge-gw-3");
        assertThat(b.username()).isEmpty();
        assertThat(b.qos()).isEqualTo(1);
    }

    @Test
    void load_badBridgeValues_reported() {
        assertThatThrownBy(() -> EdgeConfig.load(
                        Optional.empty(),
                        Map.of(),
                        Map.of("mqtt.allow-anonymous", "true", "bridge.url", "localhost:1883", "bridge.qos", "0")))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).problems())
                        .anyMatch(p -> p.startsWith("bridge.url"))
                        .anyMatch(p -> p.startsWith("bridge.qos")));
    }

    @Test
    void load_outOfRangeSizesDurationsAndTlsFiles_reportedWithTheirBounds(@TempDir Path dir) {
        Path missing = dir.resolve("missing.crt");

        assertThatThrownBy(() -> EdgeConfig.load(
                        Optional.empty(),
                        Map.of(),
                        Map.of(
                                "mqtt.allow-anonymous",
                                "true",
                                "buffer.quota",
                                "512KiB",
                                "buffer.aggregate-window",
                                "0s",
                                "buffer.ttl",
                                "-1s",
                                "aggregation.grace",
                                "-1s",
                                "metrics.port",
                                "-2",
                                "hub.keepalive",
                                "-1s",
                                "hub.tls.cert",
                                missing.toString())))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).problems())
                        .contains(
                                "buffer.quota must be at least 1MiB (from command line)",
                                "buffer.aggregate-window must be positive (from command line)",
                                "buffer.ttl must not be negative (from command line)",
                                "aggregation.grace must not be negative (from command line)",
                                "metrics.port must be -1 (off) or 0..65535 (from command line)",
                                "hub.keepalive must not be negative (from command line)",
                                "hub.tls.cert file " + missing + " does not exist (from command line)",
                                "hub.tls.cert and hub.tls.key must be set together (from command line)"));
    }

    @Test
    void load_bridgeMqttVersion_5WithQos1_badVersionOr5WithQos2Named() {
        EdgeConfig c = EdgeConfig.load(
                Optional.empty(),
                Map.of(),
                Map.of("mqtt.allow-anonymous", "true", "bridge.url", "tcp://h:1883", "bridge.mqtt-version", "5"));
        assertThat(c.bridge().orElseThrow().mqttVersion()).isEqualTo(5);
        assertThat(EdgeConfig.load(
                                Optional.empty(),
                                Map.of(),
                                Map.of("mqtt.allow-anonymous", "true", "bridge.url", "tcp://h:1883"))
                        .bridge()
                        .orElseThrow()
                        .mqttVersion())
                .isEqualTo(4);

        assertThat(bridgeProblems("bridge.mqtt-version", "3")).anyMatch(p -> p.startsWith("bridge.mqtt-version"));
        assertThat(bridgeProblems("bridge.mqtt-version", "5", "bridge.qos", "2"))
                .anyMatch(p -> p.startsWith("bridge.qos") && p.contains("MQTT 5"));
    }

    /** The problems of a configuration with a bridge URL and {@code keyValues}. */
    private static java.util.List<String> bridgeProblems(String... keyValues) {
        java.util.Map<String, String> flags =
                new java.util.HashMap<>(Map.of("mqtt.allow-anonymous", "true", "bridge.url", "tcp://h:1883"));
        for (int i = 0; i < keyValues.length; i += 2) {
            flags.put(keyValues[i], keyValues[i + 1]);
        }
        try {
            EdgeConfig.load(Optional.empty(), Map.of(), flags);
        } catch (ConfigException e) {
            return e.problems();
        }
        throw new AssertionError("no problem found in " + flags);
    }
}
