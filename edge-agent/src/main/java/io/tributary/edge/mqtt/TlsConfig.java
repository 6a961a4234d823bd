package io.tributary.edge.mqtt;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Server certificate for the TLS listener: a key store holding one private key entry and its chain.
 *
 * @param keyStore path of the key store file
 * @param password password of the key store and of the key entry
 * @param type key store type, e.g. {@code PKCS12} (the default) or {@code JKS}
 */
public record TlsConfig(Path keyStore, String password, String type) {

    public TlsConfig {
        Objects.requireNonNull(keyStore, "keyStore");
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(type, "type");
    }

    /** A PKCS#12 key store. */
    public static TlsConfig pkcs12(Path keyStore, String password) {
        return new TlsConfig(keyStore, password, "PKCS12");
    }

    @Override
    public String toString() {
        return "TlsConfig[keyStore=" + keyStore + ", type=" + type + "]";
    }
}
