package io.tributary.hub.client.core;

import io.tributary.protocol.frame.FrameLimits;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How a client reaches and authenticates to a hub. Immutable; build with {@link #builder(List)}.
 *
 * @param endpoints hubs in order of preference; the client fails over down the list and back
 * @param token bearer token, if the hub authenticates by token
 * @param username user name, if the hub authenticates by credentials file
 * @param password password for {@code username}
 * @param tls whether to use TLS
 * @param trustCertificates PEM file of certificates to trust (empty: the JDK's trust store)
 * @param clientCertificate PEM client certificate chain for mutual TLS (with {@code clientKey})
 * @param clientKey PEM PKCS#8 private key for mutual TLS
 * @param connectTimeout TCP connect and handshake timeout
 * @param maxFrameBytes largest frame sent or accepted
 * @param clientName free text the hub logs
 * @param keepAlive after this long without sending, the client pings the hub; after three times this long without
 *     hearing from it, the connection is closed as dead (a hub that vanished without closing its socket); zero disables
 */
public record ClientOptions(
        List<HubEndpoint> endpoints,
        Optional<String> token,
        Optional<String> username,
        Optional<String> password,
        boolean tls,
        Optional<Path> trustCertificates,
        Optional<Path> clientCertificate,
        Optional<Path> clientKey,
        Duration connectTimeout,
        int maxFrameBytes,
        String clientName,
        Duration keepAlive) {

    public ClientOptions {
        endpoints = List.copyOf(endpoints);
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("at least one hub endpoint is needed");
        }
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(keepAlive, "keepAlive");
        new FrameLimits(maxFrameBytes); // validates
    }

    public static Builder builder(List<HubEndpoint> endpoints) {
        return new Builder(endpoints);
    }

    public static ClientOptions of(String endpoints) {
        return builder(HubEndpoint.parseList(endpoints)).build();
    }

    /** Builder for {@link ClientOptions}; not thread-safe. */
    public static final class Builder {
        private final List<HubEndpoint> endpoints;
        private Optional<String> token = Optional.empty();
        private Optional<String> username = Optional.empty();
        private Optional<String> password = Optional.empty();
        private boolean tls;
        private Optional<Path> trust = Optional.empty();
        private Optional<Path> cert = Optional.empty();
        private Optional<Path> key = Optional.empty();
        private Duration connectTimeout = Duration.ofSeconds(5);
        private int maxFrameBytes = FrameLimits.DEFAULT_MAX_FRAME_BYTES;
        private String clientName = "tributary-client";
        private Duration keepAlive = Duration.ofSeconds(5);

        private Builder(List<HubEndpoint> endpoints) {
            this.endpoints = endpoints;
        }

        public Builder token(String value) {
            this.token = Optional.ofNullable(value).filter(s -> !s.isEmpty());
            return this;
        }

        public Builder credentials(String user, String pass) {
            this.username = Optional.ofNullable(user);
            this.password = Optional.ofNullable(pass);
            return this;
        }

        public Builder tls(boolean value) {
            this.tls = value;
            return this;
        }

        public Builder trustCertificates(Path pem) {
            this.trust = Optional.ofNullable(pem);
            this.tls = this.tls || pem != null;
            return this;
        }

        public Builder clientCertificate(Path certPem, Path keyPem) {
            this.cert = Optional.ofNullable(certPem);
            this.key = Optional.ofNullable(keyPem);
            return this;
        }

        public Builder connectTimeout(Duration value) {
            this.connectTimeout = value;
            return this;
        }

        public Builder maxFrameBytes(int value) {
            this.maxFrameBytes = value;
            return this;
        }

        public Builder clientName(String value) {
            this.clientName = value;
            return this;
        }

        /** Default 5 s; {@link Duration#ZERO} disables pings and the dead-connection check. */
        public Builder keepAlive(Duration value) {
            this.keepAlive = value;
            return this;
        }

        public ClientOptions build() {
            return new ClientOptions(
                    endpoints,
                    token,
                    username,
                    password,
                    tls,
                    trust,
                    cert,
                    key,
                    connectTimeout,
                    maxFrameBytes,
                    clientName,
                    keepAlive);
        }
    }
}
