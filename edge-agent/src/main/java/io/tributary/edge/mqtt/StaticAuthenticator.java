package io.tributary.edge.mqtt;

import io.tributary.protocol.auth.Credentials;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * An {@link Authenticator} over a fixed set of users, in the shared {@link Credentials} file format ({@code
 * user:password} or {@code user:{sha256}hex} per line). Immutable and thread-safe.
 */
public final class StaticAuthenticator implements Authenticator {
    private final Credentials credentials;

    private StaticAuthenticator(Credentials credentials) {
        this.credentials = credentials;
    }

    /** Builds from {@code user -> password-or-{sha256}hex}. */
    public static StaticAuthenticator of(Map<String, String> users) {
        return new StaticAuthenticator(Credentials.of(users));
    }

    /** Loads a credentials file; every malformed line is reported. */
    public static StaticAuthenticator load(Path file) throws IOException {
        return new StaticAuthenticator(Credentials.load(file));
    }

    @Override
    public boolean authenticate(String username, byte[] password) {
        return credentials.authenticate(username, password);
    }

    public int size() {
        return credentials.size();
    }
}
