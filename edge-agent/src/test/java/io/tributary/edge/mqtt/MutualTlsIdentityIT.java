package io.tributary.edge.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.edge.mqtt.auth.AccessConfig;
import io.tributary.edge.mqtt.auth.AclFile;
import io.tributary.edge.mqtt.auth.CertificateIdentity;
import io.tributary.testsupport.OpenSsl;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutual TLS: a client certificate signed by {@code mqtt.tls.client-ca} names the device, and the user name cannot
 * make it another one. Client certificates are made at test time with the openssl command line (skipped where it is
 * missing), the server's with keytool.
 */
class MutualTlsIdentityIT {

    @TempDir
    Path dir;

    private Path pki;
    private Path serverKeyStore;
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final ManualSink sink = ManualSink.automatic();
    private MqttServer server;

    @BeforeEach
    void makeCertificates() throws Exception {
        assumeTrue(OpenSsl.available(), "openssl is needed to make test certificates");
        pki = Files.createDirectories(dir.resolve("pki"));
        serverKeyStore = TestCertificates.selfSigned(pki);
        openssl(
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-days",
                "2",
                "-subj",
                "/CN=devices-ca",
                "-keyout",
                "ca.key",
                "-out",
                "ca.crt");
        clientCertificate("press-7", "/O=acme/CN=press-7", "DNS:press-7.plant-1.example");
        clientCertificate("nameless", "/O=acme", "DNS:nameless.example");
    }

    private void clientCertificate(String name, String subject, String san) throws Exception {
        openssl(
                "req",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-subj",
                subject,
                "-keyout",
                name + ".key",
                "-out",
                name + ".csr");
        new OpenSsl(pki).signWithCa(name, san);
        openssl(
                "pkcs12",
                "-export",
                "-in",
                name + ".crt",
                "-inkey",
                name + ".key",
                "-name",
                name,
                "-out",
                name + ".p12",
                "-passout",
                "pass:" + TestCertificates.PASSWORD);
    }

    private void openssl(String... args) throws Exception {
        new OpenSsl(pki).run(args);
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private int start(CertificateIdentity identity) throws Exception {
        Path acl = dir.resolve("acl.yaml");
        Files.writeString(acl, AccessControlIT.ACL);
        server = new MqttServer(
                MqttServerConfig.builder()
                        .port(-1)
                        .tls(
                                0,
                                TlsConfig.pkcs12(serverKeyStore, TestCertificates.PASSWORD)
                                        .withClientCa(pki.resolve("ca.crt")))
                        .ioThreads(1)
                        .forward(List.of("tributary/#"))
                        .connectTimeout(Duration.ofSeconds(5))
                        .build(),
                AccessConfig.passwordsOnly(AccessControlIT.passwords()::verify)
                        .withAcl(AclFile.load(acl))
                        .withCertificateIdentity(identity),
                sink,
                registry,
                Clock.systemUTC());
        server.start();
        return server.tlsAddress().orElseThrow().getPort();
    }

    private KeyManagerFactory clientKeys(String name) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(pki.resolve(name + ".p12"))) {
            store.load(in, TestCertificates.PASSWORD.toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, TestCertificates.PASSWORD.toCharArray());
        return kmf;
    }

    private Mqtt5BlockingClient hivemq(int port, String id, String certificate) throws Exception {
        var ssl = com.hivemq.client.mqtt.MqttClient.builder()
                .useMqttVersion5()
                .identifier(id)
                .serverHost("localhost")
                .serverPort(port)
                .sslConfig()
                .trustManagerFactory(TestCertificates.trusting(serverKeyStore));
        if (certificate != null) {
            ssl.keyManagerFactory(clientKeys(certificate));
        }
        return ssl.applySslConfig().buildBlocking();
    }

    private static Mqtt5PubAckReasonCode publish(Mqtt5BlockingClient client, String topic) {
        try {
            client.publishWith()
                    .topic(topic)
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload("{\"v\":1}".getBytes(StandardCharsets.UTF_8))
                    .send();
            return Mqtt5PubAckReasonCode.SUCCESS;
        } catch (Mqtt5PubAckException e) {
            return e.getMqttMessage().getReasonCode();
        }
    }

    private static Mqtt5ConnAckReasonCode connect(Mqtt5BlockingClient client, String user, String password) {
        try {
            if (user == null) {
                return client.connect().getReasonCode();
            }
            return client.connectWith()
                    .simpleAuth()
                    .username(user)
                    .password(password.getBytes(StandardCharsets.UTF_8))
                    .applySimpleAuth()
                    .send()
                    .getReasonCode();
        } catch (Mqtt5ConnAckException e) {
            return e.getMqttMessage().getReasonCode();
        }
    }

    @Test
    void certificateCn_isTheIdentity_andTheUserNameCannotSpoofAnother() throws Exception {
        int port = start(CertificateIdentity.CN);
        Mqtt5BlockingClient device = hivemq(port, "press-8", "press-7");
        assertThat(connect(device, null, null)).isEqualTo(Mqtt5ConnAckReasonCode.SUCCESS);
        assertThat(publish(device, "tributary/plant-1/press-7/temp")).isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
        assertThat(publish(device, "tributary/plant-1/press-8/temp"))
                .as("client id press-8 changes nothing")
                .isEqualTo(Mqtt5PubAckReasonCode.NOT_AUTHORIZED);
        device.disconnect();

        // press-8's own, correct password does not make press-7's certificate press-8
        Mqtt5BlockingClient spoof = hivemq(port, "spoof", "press-7");
        assertThat(connect(spoof, "press-8", "p8")).isEqualTo(Mqtt5ConnAckReasonCode.NOT_AUTHORIZED);
        Mqtt5BlockingClient same = hivemq(port, "same", "press-7");
        assertThat(connect(same, "press-7", "not-checked"))
                .as("the certificate proves the identity; the password is not asked for")
                .isEqualTo(Mqtt5ConnAckReasonCode.SUCCESS);
        same.disconnect();

        Mqtt5BlockingClient nameless = hivemq(port, "nameless", "nameless");
        assertThat(connect(nameless, null, null)).isEqualTo(Mqtt5ConnAckReasonCode.NOT_AUTHORIZED);
        Mqtt5BlockingClient noCertificate = hivemq(port, "none", null);
        assertThatThrownBy(() -> connect(noCertificate, "press-7", "p7")).isNotNull();

        assertThat(sink.offers()).extracting(o -> o.publish().username()).containsOnly("press-7");
        assertThat(registry.get("tributary.edge.mqtt.access.denied")
                        .tags("action", "connect", "reason", "identity_mismatch")
                        .counter()
                        .count())
                .isEqualTo(1);
        assertThat(registry.get("tributary.edge.mqtt.access.denied")
                        .tags("action", "connect", "reason", "no_certificate_identity")
                        .counter()
                        .count())
                .isEqualTo(1);
    }

    @Test
    void subjectAlternativeName_isTheIdentityWhenConfigured() throws Exception {
        int port = start(CertificateIdentity.SAN_DNS);
        Mqtt5BlockingClient device = hivemq(port, "d", "press-7");
        assertThat(connect(device, "press-7", "p7"))
                .as("the identity is the SAN now, not the CN")
                .isEqualTo(Mqtt5ConnAckReasonCode.NOT_AUTHORIZED);
        Mqtt5BlockingClient bySan = hivemq(port, "d2", "press-7");
        assertThat(connect(bySan, "press-7.plant-1.example", "x")).isEqualTo(Mqtt5ConnAckReasonCode.SUCCESS);
        assertThat(publish(bySan, "tributary/plant-1/press-7/temp"))
                .as("press-7.plant-1.example is in no group of the ACL")
                .isEqualTo(Mqtt5PubAckReasonCode.NOT_AUTHORIZED);
        bySan.disconnect();
    }

    @Test
    void paho311_userNameOfAnotherDevice_isRefusedNotAuthorized() throws Exception {
        int port = start(CertificateIdentity.CN);
        SSLContext tls = SSLContext.getInstance("TLS");
        TrustManagerFactory trust = TestCertificates.trusting(serverKeyStore);
        tls.init(clientKeys("press-7").getKeyManagers(), trust.getTrustManagers(), null);
        MqttClient paho = new MqttClient("ssl://localhost:" + port, "press-7", new MemoryPersistence());
        MqttConnectOptions options = new MqttConnectOptions();
        options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        options.setSocketFactory(tls.getSocketFactory());
        options.setUserName("press-8");
        options.setPassword("p8".toCharArray());
        options.setConnectionTimeout(5);
        assertThatThrownBy(() -> paho.connect(options))
                .isInstanceOfSatisfying(
                        MqttException.class,
                        e -> assertThat(e.getReasonCode()).isEqualTo(MqttException.REASON_CODE_NOT_AUTHORIZED));
        MqttConnectOptions certificateOnly = new MqttConnectOptions();
        certificateOnly.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        certificateOnly.setSocketFactory(tls.getSocketFactory());
        certificateOnly.setConnectionTimeout(5);
        paho.connect(certificateOnly);
        paho.publish("tributary/plant-1/press-7/temp", "{\"v\":3}".getBytes(StandardCharsets.UTF_8), 1, false);
        paho.disconnect();
        paho.close();
        assertThat(sink.size()).isEqualTo(1);
    }
}
