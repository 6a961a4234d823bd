package io.tributary.hub.server;

import io.tributary.protocol.auth.Credentials;
import io.tributary.protocol.v1.Hello;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Checks the credentials in a {@link Hello}: a bearer token from the tokens file, or a user and password from the
 * credentials file. With neither file configured every peer is accepted (and the hub says so at start). Immutable and
 * thread-safe.
 */
public final class HubAuthenticator {
    private final List<byte[]> tokenDigests;
    private final Optional<Credentials> credentials;

    private HubAuthenticator(List<byte[]> tokenDigests, Optional<Credentials> credentials) {
        this.tokenDigests = List.copyOf(tokenDigests);
        this.credentials = credentials;
    }

    public static HubAuthenticator open() {
        return new HubAuthenticator(List.of(), Optional.empty());
    }

    /** Loads the configured files; a malformed credentials file is an error naming each bad line. */
    public static HubAuthenticator load(Optional<Path> tokensFile, Optional<Path> credentialsFile) throws IOException {
        List<byte[]> tokens = new ArrayList<>();
        if (tokensFile.isPresent()) {
            for (String line : Files.readAllLines(tokensFile.get(), StandardCharsets.UTF_8)) {
                String t = line.strip();
                if (!t.isEmpty() && !t.startsWith("#")) {
                    tokens.add(Credentials.sha256(t.getBytes(StandardCharsets.UTF_8)));
                }
            }
            if (tokens.isEmpty()) {
                throw new IOException("tokens file " + tokensFile.get() + " holds no token");
            }
        }
        Optional<Credentials> creds =
                credentialsFile.isPresent() ? Optional.of(Credentials.load(credentialsFile.get())) : Optional.empty();
        return new HubAuthenticator(tokens, creds);
    }

    /** Whether any authentication is configured. */
    public boolean enabled() {
        return !tokenDigests.isEmpty() || credentials.isPresent();
    }

    /** Empty when the hello is accepted, otherwise the reason for refusing it. */
    public Optional<String> check(Hello hello) {
        if (!enabled()) {
            return Optional.empty();
        }
        switch (hello.getCredentialsCase()) {
            case TOKEN -> {
                byte[] digest = Credentials.sha256(hello.getToken().getBytes(StandardCharsets.UTF_8));
                boolean ok = false;
                for (byte[] t : tokenDigests) {
                    ok |= MessageDigest.isEqual(t, digest);
                }
                return ok ? Optional.empty() : Optional.of("unknown token");
            }
            case USER_PASSWORD -> {
                boolean ok = credentials
                        .map(c -> c.authenticate(
                                hello.getUserPassword().getUsername(),
                                hello.getUserPassword().getPassword().getBytes(StandardCharsets.UTF_8)))
                        .orElse(false);
                return ok ? Optional.empty() : Optional.of("wrong user name or password");
            }
            default -> {
                return Optional.of("credentials required (token or user/password)");
            }
        }
    }
}
