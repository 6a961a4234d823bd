package io.tributary.edge.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.edge.mqtt.auth.CertificateIdentity;
import io.tributary.edge.mqtt.auth.Limits;
import io.tributary.protocol.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MqttAccessSettingsTest {

    @Test
    void defaults_noAclCnAndTheDocumentedLimits() {
        EdgeConfig c = EdgeConfig.load(Optional.empty(), Map.of(), Map.of("mqtt.allow-anonymous", "true"));
        assertThat(c.mqttAccess().aclFile()).isEmpty();
        assertThat(c.mqttAccess().certificateIdentity()).isEqualTo(CertificateIdentity.CN);
        assertThat(c.mqttAccess().limits()).isEqualTo(Limits.DEFAULTS);
        assertThat(EdgeConfig.SCHEMA)
                .extracting(k -> k.name())
                .containsSubsequence(
                        "mqtt.subscriber-in-flight", "mqtt.acl-file", "mqtt.limits.subscriptions", "buffer.quota");
    }

    @Test
    void fileSettings_reachTheConfig_includingTheClientCa(@TempDir Path dir) throws Exception {
        Path acl = Files.writeString(dir.resolve("acl.yaml"), "everyone: {}\n");
        Path ca = Files.writeString(dir.resolve("ca.pem"), "-----BEGIN CERTIFICATE-----\n");
        Path keyStore = Files.writeString(dir.resolve("edge.p12"), "");
        Path file = Files.writeString(
                dir.resolve("edge.yaml"),
                "mqtt:\n  allow-anonymous: true\n  acl-file: " + acl + "\n  tls-port: 8883\n  tls:\n    key-store: "
                        + keyStore + "\n    client-ca: " + ca + "\n    identity: san-uri\n  limits:\n"
                        + "    connections: 50\n    connections-per-identity: 1\n    publish-rate: 20\n"
                        + "    publish-burst: 5\n    subscriptions: 7\n");
        EdgeConfig c = EdgeConfig.load(Optional.of(file), Map.of(), Map.of());
        assertThat(c.mqttAccess().aclFile()).contains(acl);
        assertThat(c.mqttAccess().certificateIdentity()).isEqualTo(CertificateIdentity.SAN_URI);
        assertThat(c.mqttAccess().limits()).isEqualTo(new Limits(50, 1, 20, 5, 7));
        assertThat(c.mqtt().tls().orElseThrow().clientCa()).contains(ca);
    }

    @Test
    void badValues_areEachNamed() {
        assertThatThrownBy(() -> EdgeConfig.load(
                        Optional.empty(),
                        Map.of(),
                        Map.of(
                                "mqtt.allow-anonymous", "true",
                                "mqtt.tls.identity", "serial",
                                "mqtt.limits.connections", "0",
                                "mqtt.acl-file", "/no/such/acl.yaml")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("mqtt.tls.identity")
                .hasMessageContaining("cn|san-dns|san-email|san-uri")
                .hasMessageContaining("connections must be >= 1")
                .hasMessageContaining("mqtt.acl-file");
    }
}
