package io.tributary.edge.mqtt.auth;

import java.util.Objects;

/**
 * Who a connection is, as the edge established it (never what the client merely claims): the user name whose password
 * matched, the name in its TLS client certificate, or nobody.
 *
 * @param name the identity; {@code ""} when anonymous
 * @param source how it was established
 */
public record Identity(String name, Source source) {

    /** How an identity was established. */
    public enum Source {
        /** User name and password checked against the password file. */
        PASSWORD,
        /** TLS client certificate signed by {@code mqtt.tls.client-ca}; its CN or SAN is the name. */
        CERTIFICATE,
        /** No user name, allowed by {@code mqtt.allow-anonymous}. */
        ANONYMOUS
    }

    public static final Identity ANONYMOUS = new Identity("", Source.ANONYMOUS);

    public Identity {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(source, "source");
    }

    public boolean anonymous() {
        return source == Source.ANONYMOUS;
    }
}
