package io.tributary.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.tributary.hub.client.AdminClient;
import io.tributary.hub.client.Producer;
import io.tributary.hub.client.PutResult;
import io.tributary.hub.client.core.ClientOptions;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.hub.client.core.HubClientException;
import io.tributary.hub.client.core.HubEndpoint;
import io.tributary.testsupport.OpenSsl;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS on the hub's listener, with client certificates required: a client that trusts the hub's CA and presents a
 * certificate signed by the client CA is served; one without a certificate is refused during the handshake.
 * Certificates are made at test time with the openssl command line (skipped where it is missing).
 */
class HubTlsIT {
    @TempDir
    Path dir;

    private Path pki;

    @BeforeEach
    void makeCertificates() throws Exception {
        assumeTrue(OpenSsl.available(), "openssl is needed to make test certificates");
        pki = Files.createDirectories(dir.resolve("pki"));
        openssl(
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "2",
                "-subj",
                "/CN=test-ca",
                "-keyout",
                "ca.key",
                "-out",
                "ca.crt");
        for (String name : List.of("hub", "client")) {
            openssl(
                    "req",
                    "-newkey",
                    "rsa:2048",
                    "-nodes",
                    "-subj",
                    "/CN=" + (name.equals("hub") ? "localhost" : name),
                    "-keyout",
                    name + ".rsa",
                    "-out",
                    name + ".csr");
            new OpenSsl(pki).signWithCa(name, "DNS:localhost,IP:127.0.0.1");
            // Netty wants PKCS#8 PEM keys.
            openssl("pkcs8", "-topk8", "-nocrypt", "-in", name + ".rsa", "-out", name + ".key");
        }
    }

    private void openssl(String... args) throws IOException, InterruptedException {
        new OpenSsl(pki).run(args);
    }

    private Hub startHub() throws Exception {
        return Hub.start(TestHubs.config(
                dir.resolve("hub"),
                Map.of(
                        "tls.cert", pki.resolve("hub.crt").toString(),
                        "tls.key", pki.resolve("hub.key").toString(),
                        "tls.client-ca", pki.resolve("ca.crt").toString())));
    }

    private static ClientOptions.Builder tlsClient(int port, Path ca) {
        return ClientOptions.builder(List.of(new HubEndpoint("127.0.0.1", port)))
                .trustCertificates(ca)
                .connectTimeout(Duration.ofSeconds(10));
    }

    @Test
    void put_overMutualTls_isAcknowledged() throws Exception {
        try (Hub hub = startHub();
                ClientResources resources = new ClientResources(1)) {
            ClientOptions options = tlsClient(hub.port(), pki.resolve("ca.crt"))
                    .clientCertificate(pki.resolve("client.crt"), pki.resolve("client.key"))
                    .build();
            TestHubs.createStream(resources, options, "secure", 1);
            try (Producer producer = Producer.create(resources, options, TestHubs.producer("secure", "p1", 10))) {
                PutResult r = producer.put("k", "over tls".getBytes(StandardCharsets.UTF_8))
                        .get(30, TimeUnit.SECONDS);
                assertThat(r.sequence()).isZero();
            }
        }
    }

    @Test
    void connect_withoutClientCertificate_isRefused() throws Exception {
        try (Hub hub = startHub();
                ClientResources resources = new ClientResources(1)) {
            ClientOptions options = tlsClient(hub.port(), pki.resolve("ca.crt")).build();
            assertThatThrownBy(() -> AdminClient.connect(resources, options).close())
                    .isInstanceOf(HubClientException.class);
            assertThat(hub.port()).isPositive(); // the hub is still serving
        }
    }
}
