package io.tributary.hub.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.tributary.hub.store.local.Durability;
import io.tributary.protocol.config.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HubConfigTest {
    @TempDir
    Path dir;

    @Test
    void load_nothingGiven_usesTheDocumentedDefaults() {
        HubConfig c = HubConfig.load(Optional.empty(), Map.of(), Map.of());

        assertThat(c.dataDir()).isEqualTo(Path.of("tributary-data/hub"));
        assertThat(c.host()).isEqualTo("127.0.0.1");
        assertThat(c.port()).isEqualTo(7400);
        assertThat(c.metricsPort()).isEqualTo(7401);
        assertThat(c.hubId()).isEqualTo("hub-1");
        assertThat(c.maxFrameBytes()).isEqualTo(8 * 1024 * 1024);
        assertThat(c.durability()).isEqualTo(Durability.FSYNC);
        assertThat(c.segmentMaxBytes()).isEqualTo(128L * 1024 * 1024);
        assertThat(c.quotaRecordsPerSecond()).isZero();
        assertThat(c.quotaBytesPerSecond()).isZero();
        assertThat(c.idleTimeout()).isEqualTo(Duration.ofSeconds(120));
        assertThat(c.tokensFile()).isEmpty();
        assertThat(c.tlsEnabled()).isFalse();
        assertThat(c.ioThreads()).isEqualTo(2);
        assertThat(c.workerThreads()).isEqualTo(2);
        assertThat(c.replication().keepAlive()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void load_replicationKeepalive_setsTheReplicaLinksKeepalive() {
        HubConfig c =
                HubConfig.load(Optional.empty(), Map.of("TRIBUTARY_HUB_REPLICATION_KEEPALIVE", "250ms"), Map.of());

        assertThat(c.replication().keepAlive()).isEqualTo(Duration.ofMillis(250));
    }

    @Test
    void defaults_dataDir_listensOnAnyFreePortWithoutMetrics() {
        HubConfig c = HubConfig.defaults(dir);

        assertThat(c.dataDir()).isEqualTo(dir);
        assertThat(c.port()).isZero();
        assertThat(c.metricsPort()).isEqualTo(-1);
    }

    @Test
    void load_yamlWithNestedSections_flattensThemToDottedKeys() throws IOException {
        Path cert = Files.writeString(dir.resolve("hub.crt"), "cert");
        Path key = Files.writeString(dir.resolve("hub.key"), "key");
        Path file = yaml(
                "data-dir: /var/lib/tributary",
                "port: 7500",
                "durability: page-cache",
                "idle-timeout: 45s",
                "tls:",
                "  cert: " + cert,
                "  key: " + key,
                "quota:",
                "  records-per-second: 5000",
                "  bytes-per-second: 2MiB",
                "connection:",
                "  max-pending-bytes: 16MiB");

        HubConfig c = HubConfig.load(Optional.of(file), Map.of(), Map.of());

        assertThat(c.dataDir()).isEqualTo(Path.of("/var/lib/tributary"));
        assertThat(c.port()).isEqualTo(7500);
        assertThat(c.durability()).isEqualTo(Durability.PAGE_CACHE);
        assertThat(c.idleTimeout()).isEqualTo(Duration.ofSeconds(45));
        assertThat(c.tlsEnabled()).isTrue();
        assertThat(c.tlsCert()).contains(cert);
        assertThat(c.tlsKey()).contains(key);
        assertThat(c.quotaRecordsPerSecond()).isEqualTo(5000);
        assertThat(c.quotaBytesPerSecond()).isEqualTo(2L * 1024 * 1024);
        assertThat(c.connectionMaxPendingBytes()).isEqualTo(16L * 1024 * 1024);
    }

    @Test
    void load_environment_overridesTheFile() throws IOException {
        Path file = yaml("port: 7500", "hub-id: from-file");

        HubConfig c = HubConfig.load(
                Optional.of(file),
                Map.of("TRIBUTARY_HUB_PORT", "7600", "TRIBUTARY_HUB_QUOTA_RECORDS_PER_SECOND", "9", "OTHER", "x"),
                Map.of());

        assertThat(c.port()).isEqualTo(7600);
        assertThat(c.hubId()).isEqualTo("from-file");
        assertThat(c.quotaRecordsPerSecond()).isEqualTo(9);
    }

    @Test
    void load_flags_overrideEnvironmentAndFile() throws IOException {
        Path file = yaml("port: 7500");

        HubConfig c = HubConfig.load(Optional.of(file), Map.of("TRIBUTARY_HUB_PORT", "7600"), Map.of("port", "7700"));

        assertThat(c.port()).isEqualTo(7700);
    }

    @Test
    void load_unknownKeyAndSeveralBadValues_reportsEveryProblemInOneException() throws IOException {
        Path file = yaml(
                "prot: 7500",
                "port: 70000",
                "durability: sometimes",
                "idle-timeout: forever",
                "max-frame-bytes: 12",
                "tls:",
                "  cert: " + dir.resolve("missing.crt"));

        ConfigException e = catchThrowableOfType(
                () -> HubConfig.load(Optional.of(file), Map.of("TRIBUTARY_HUB_IO_THREADS", "0"), Map.of()),
                ConfigException.class);

        assertThat(e).isNotNull();
        assertThat(e.problems())
                .anySatisfy(p -> assertThat(p).contains("unknown key 'prot'"))
                .anySatisfy(p -> assertThat(p).startsWith("port ").contains("0..65535"))
                .anySatisfy(p -> assertThat(p).startsWith("durability ").contains("sometimes"))
                .anySatisfy(p -> assertThat(p).startsWith("idle-timeout "))
                .anySatisfy(p -> assertThat(p).startsWith("max-frame-bytes "))
                .anySatisfy(p -> assertThat(p).startsWith("tls.cert ").contains("tls.key"))
                .anySatisfy(p -> assertThat(p).startsWith("tls.cert ").contains("does not exist"))
                .anySatisfy(p -> assertThat(p).startsWith("io-threads ").contains("TRIBUTARY_HUB_IO_THREADS"));
        assertThat(e.getMessage()).contains("prot").contains("durability").contains("io-threads");
    }

    @Test
    void load_outOfRangeValues_reportedWithTheirBounds() {
        ConfigException e = catchThrowableOfType(
                () -> HubConfig.load(
                        Optional.empty(),
                        Map.of(),
                        Map.of(
                                "metrics-port", "70000",
                                "max-frame-bytes", "1GiB",
                                "io-threads", "65",
                                "worker-threads", "0",
                                "retention-check-interval", "0s",
                                "groups.lease-timeout", "50ms",
                                "replication.keepalive", "-1s",
                                "tls.client-ca", dir.toString())),
                ConfigException.class);

        assertThat(e.problems())
                .contains(
                        "metrics-port must be -1 (off) or 0..65535 (from command line)",
                        "max-frame-bytes must be between 1KiB and 256MiB (from command line)",
                        "io-threads must be 1..64 (from command line)",
                        "worker-threads must be 1..64 (from command line)",
                        "retention-check-interval must be positive (from command line)",
                        "groups.lease-timeout must be at least 100ms (from command line)",
                        "replication.keepalive must not be negative (from command line)",
                        "tls.client-ca file " + dir + " does not exist (from command line)",
                        "tls.client-ca needs tls.cert and tls.key (from command line)");
    }

    @Test
    void load_missingConfigFile_isAProblem() {
        ConfigException e = catchThrowableOfType(
                () -> HubConfig.load(Optional.of(dir.resolve("nope.yaml")), Map.of(), Map.of()), ConfigException.class);

        assertThat(e.problems()).singleElement().asString().contains("does not exist");
    }

    private Path yaml(String... lines) throws IOException {
        return Files.writeString(dir.resolve("hub.yaml"), String.join("\n", lines) + "\n");
    }

    @Test
    void load_store_defaultsToLocalWithThePulsarStandaloneUrls() {
        HubConfig c = HubConfig.load(Optional.empty(), Map.of(), Map.of());

        assertThat(c.store()).isEqualTo("local");
        assertThat(c.pulsar().serviceUrl()).isEqualTo("pulsar://127.0.0.1:6650");
        assertThat(c.pulsar().adminUrl()).hasToString("http://127.0.0.1:8080");
        assertThat(c.pulsar().tenant()).isEqualTo("public");
        assertThat(c.pulsar().namespace()).isEqualTo("tributary");
    }

    @Test
    void load_badPulsarSettings_reportsEachKey() {
        assertThatThrownBy(() -> HubConfig.load(
                        Optional.empty(),
                        Map.of(),
                        Map.of(
                                "store", "Pulsar!",
                                "pulsar.service-url", "http://broker:6650",
                                "pulsar.admin-url", "broker:8080",
                                "pulsar.namespace", "a/b")))
                .hasMessageContaining("store")
                .hasMessageContaining("pulsar.service-url")
                .hasMessageContaining("pulsar.admin-url")
                .hasMessageContaining("pulsar.namespace");
    }

    @Test
    void load_pulsarGeoReplication_listAndReplicaFlag() {
        HubConfig home =
                HubConfig.load(Optional.empty(), Map.of(), Map.of("pulsar.replication-clusters", " east, west ,"));
        assertThat(home.pulsar().replicationClusters()).containsExactly("east", "west");
        assertThat(home.pulsar().replica()).isFalse();

        HubConfig replica = HubConfig.load(Optional.empty(), Map.of(), Map.of("pulsar.replica", "true"));
        assertThat(replica.pulsar().replicationClusters()).isEmpty();
        assertThat(replica.pulsar().replica()).isTrue();
    }

    @Test
    void load_badPulsarGeoReplication_saysWhy() {
        assertThatThrownBy(() ->
                        HubConfig.load(Optional.empty(), Map.of(), Map.of("pulsar.replication-clusters", "east,we st")))
                .hasMessageContaining("pulsar.replication-clusters")
                .hasMessageContaining("we st");
        assertThatThrownBy(() -> HubConfig.load(
                        Optional.empty(), Map.of(), Map.of("pulsar.replication-clusters", "east,west,east")))
                .hasMessageContaining("names a cluster twice");
        assertThatThrownBy(() -> HubConfig.load(
                        Optional.empty(),
                        Map.of(),
                        Map.of("pulsar.replica", "true", "pulsar.replication-clusters", "east,west")))
                .hasMessageContaining("pulsar.replica")
                .hasMessageContaining("only the home region");
        assertThatThrownBy(() -> HubConfig.load(Optional.empty(), Map.of(), Map.of("pulsar.replica", "maybe")))
                .hasMessageContaining("pulsar.replica");
    }
}
