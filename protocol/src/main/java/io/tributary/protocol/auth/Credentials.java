package io.tributary.protocol.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * A fixed set of user credentials, shared by the edge agent's MQTT endpoint and the hub. Each entry is either a plain password or
 * {@code {sha256}<64 hex digits>}, the SHA-256 of the UTF-8 password. Comparisons are constant-time.
 *
 * <p>File format ({@link #load}): one {@code user:password} or {@code user:{sha256}hex} per line; blank lines and
 * lines starting with '#' are ignored; the user name ends at the first ':'. Immutable and thread-safe.
 */
public final class Credentials {

    private static final String SHA256_PREFIX = "{sha256}";

    /** Stored credential: a SHA-256 digest, so plain and hashed entries compare the same way. */
    private final Map<String, byte[]> digests;

    private Credentials(Map<String, byte[]> digests) {
        this.digests = Map.copyOf(digests);
    }

    /**
     * Builds from {@code user -> password-or-{sha256}hex}.
     *
     * @throws IllegalArgumentException on a malformed {@code {sha256}} entry or an empty user name
     */
    public static Credentials of(Map<String, String> users) {
        Map<String, byte[]> digests = new HashMap<>();
        users.forEach((user, secret) -> digests.put(user, digestOf(user, secret)));
        return new Credentials(digests);
    }

    /**
     * Loads a credentials file (see the class javadoc).
     *
     * @throws IllegalArgumentException listing every malformed line, with line numbers
     */
    public static Credentials load(Path file) throws IOException {
        Map<String, byte[]> digests = new HashMap<>();
        readUserLines(file, (user, secret) -> digests.put(user, digestOf(user, secret)));
        return new Credentials(digests);
    }

    /**
     * Reads the {@code user:secret} lines of a file (blank lines and '#' comments skipped, the user ending at the first
     * ':'), handing each to {@code entry}, which may refuse it with an {@link IllegalArgumentException}.
     *
     * @return the entries in file order
     * @throws IllegalArgumentException listing every malformed line (no ':', empty or duplicate user, refused by
     *     {@code entry}) with its line number
     */
    public static Map<String, String> readUserLines(Path file, BiConsumer<String, String> entry) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        Map<String, String> entries = new LinkedHashMap<>();
        List<String> errors = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int colon = line.indexOf(':');
            try {
                if (colon < 0) {
                    throw new IllegalArgumentException("expected user:password");
                }
                String user = line.substring(0, colon);
                if (entries.put(user, line.substring(colon + 1)) != null) {
                    throw new IllegalArgumentException("duplicate user '" + user + "'");
                }
                entry.accept(user, line.substring(colon + 1));
            } catch (IllegalArgumentException e) {
                errors.add(file + ":" + (i + 1) + ": " + e.getMessage());
            }
        }
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException("bad credentials file: " + String.join("; ", errors));
        }
        return entries;
    }

    private static byte[] digestOf(String user, String secret) {
        if (user.isEmpty()) {
            throw new IllegalArgumentException("empty user name");
        }
        if (secret.startsWith(SHA256_PREFIX)) {
            String hex = secret.substring(SHA256_PREFIX.length());
            if (hex.length() != 64) {
                throw new IllegalArgumentException("user '" + user + "': {sha256} needs 64 hex digits");
            }
            try {
                return HexFormat.of().parseHex(hex);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("user '" + user + "': {sha256} value is not hex", e);
            }
        }
        return sha256(secret.getBytes(StandardCharsets.UTF_8));
    }

    public static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every JRE", e);
        }
    }

    /** Whether {@code password} is {@code username}'s; constant-time, and does not reveal which users exist. */
    public boolean authenticate(String username, byte[] password) {
        byte[] expected = digests.get(username);
        byte[] actual = sha256(password);
        // Compare against a dummy digest for unknown users so timing does not reveal which users exist.
        return MessageDigest.isEqual(expected == null ? new byte[32] : expected, actual) && expected != null;
    }

    /** Number of configured users. */
    public int size() {
        return digests.size();
    }
}
