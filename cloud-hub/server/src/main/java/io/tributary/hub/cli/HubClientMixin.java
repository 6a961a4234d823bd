package io.tributary.hub.cli;

import io.tributary.hub.client.core.ClientOptions;
import io.tributary.hub.client.core.HubEndpoint;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The options every command that talks to a hub shares. */
public final class HubClientMixin {
    @Option(
            names = "--hub",
            required = true,
            paramLabel = "HOST:PORT[,HOST:PORT...]",
            description = "Hub address(es), in order of preference.")
    String hub;

    @Option(names = "--token", description = "Bearer token, when the hub has a tokens file.")
    String token;

    @Option(names = "--user", description = "User name, when the hub has a credentials file.")
    String user;

    @Option(names = "--password", description = "Password of --user.")
    String password;

    @Option(names = "--tls", description = "Connect with TLS (the JDK trust store unless --trust-cert).")
    boolean tls;

    @Option(names = "--trust-cert", paramLabel = "PEM", description = "Certificates to trust (implies --tls).")
    Path trustCert;

    @Option(names = "--client-cert", paramLabel = "PEM", description = "Client certificate chain for mutual TLS.")
    Path clientCert;

    @Option(names = "--client-key", paramLabel = "PEM", description = "PKCS#8 key of --client-cert.")
    Path clientKey;

    public ClientOptions options(String clientName) {
        ClientOptions.Builder b = ClientOptions.builder(HubEndpoint.parseList(hub))
                .token(token)
                .tls(tls)
                .trustCertificates(trustCert)
                .clientCertificate(clientCert, clientKey)
                .clientName(clientName);
        if (user != null) {
            b.credentials(user, password == null ? "" : password);
        }
        return b.build();
    }
}
