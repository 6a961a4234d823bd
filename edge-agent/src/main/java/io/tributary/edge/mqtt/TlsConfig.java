package io.tributary.edge.mqtt;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Server certificate for the TLS listener: a key store holding one private key entry and its chain, and optionally
 * the CAs of client certificates (mutual TLS).
 *
 * @param keyStore path of the key store file
 * @param password password of the key store and of the key entry
 * @param type key store type, e.g. {@code PKCS12} (the default) or {@code JKS}
 * @param clientCa PEM file of the CA certificates that sign client certificates; when present every TLS client must
 *     present one (the handshake fails otherwise) and its name is the connection's identity
 */
public record TlsConfig(Path keyStore, String password, String type, Optional<Path> clientCa) {

    public TlsConfig {
        Objects.requireNonNull(keyStore, "keyStore");
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(clientCa, "clientCa");
    }

    /** A PKCS#12 key store, no client certificates. */
    public static TlsConfig pkcs12(Path keyStore, String password) {
        return new TlsConfig(keyStore, password, "PKCS12", Optional.empty());
    }

    /** The same, with client certificates signed by the CAs in {@code clientCa} (PEM) required. */
    public TlsConfig withClientCa(Path clientCa) {
        return new TlsConfig(keyStore, password, type, Optional.of(clientCa));
    }

    @Override
    public String toString() {
        return "TlsConfig[keyStore=" + keyStore + ", type=" + type + ", clientCa=" + clientCa.orElse(null) + "]";
    }
}
