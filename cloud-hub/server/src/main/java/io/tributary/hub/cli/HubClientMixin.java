package io.tributary.hub.cli;

import io.tributary.hub.client.core.ClientOptions;
import io.tributary.hub.client.core.HubEndpoint;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The options every command that talks to a hub shares. */
public final class HubClientMixin {
    /** The command this mixin is part of: usage errors name it. */
    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    // Required, but checked when the command runs (options()), not when it parses: so that a subcommand's --help
    // (admin streams --help) works without it.
    @Option(
            names = "--hub",
            paramLabel = "HOST:PORT[,HOST:PORT...]",
            description = "Hub address(es), in order of preference (required).")
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

    /** The hub addresses; a usage error (exit code 2, one line) when --hub is missing or malformed. */
    public List<HubEndpoint> endpoints() {
        if (hub == null) {
            throw new CommandLine.ParameterException(mixee.commandLine(), "Missing required option: '--hub'");
        }
        try {
            return HubEndpoint.parseList(hub);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(mixee.commandLine(), "--hub: " + e.getMessage());
        }
    }

    public ClientOptions options(String clientName) {
        ClientOptions.Builder b = ClientOptions.builder(endpoints())
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
