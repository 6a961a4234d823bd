package io.tributary.protocol.console;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/**
 * What an HTTP {@code Authorization} header presents: a bearer token ({@code Bearer <token>}) or a user and password
 * ({@code Basic base64(user:password)}, which is what a browser sends after its login prompt). Immutable.
 *
 * @param token the bearer token, or empty
 * @param user the Basic user name, or empty
 * @param password the Basic password, or empty
 */
public record HttpCredentials(Optional<String> token, Optional<String> user, Optional<String> password) {

    /** The credentials of a header value; empty when there is no header or it is neither scheme or malformed. */
    public static Optional<HttpCredentials> parse(String header) {
        if (header == null) {
            return Optional.empty();
        }
        String h = header.strip();
        int space = h.indexOf(' ');
        if (space < 0) {
            return Optional.empty();
        }
        String scheme = h.substring(0, space);
        String value = h.substring(space + 1).strip();
        if (scheme.equalsIgnoreCase("Bearer") && !value.isEmpty()) {
            return Optional.of(new HttpCredentials(Optional.of(value), Optional.empty(), Optional.empty()));
        }
        if (scheme.equalsIgnoreCase("Basic")) {
            String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(value), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                return Optional.empty();
            }
            int colon = decoded.indexOf(':');
            if (colon < 0) {
                return Optional.empty();
            }
            return Optional.of(new HttpCredentials(
                    Optional.empty(),
                    Optional.of(decoded.substring(0, colon)),
                    Optional.of(decoded.substring(colon + 1))));
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return token.isPresent() ? "bearer token" : "user " + user.orElse("");
    }
}
