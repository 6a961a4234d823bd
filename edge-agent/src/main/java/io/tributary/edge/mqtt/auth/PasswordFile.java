package io.tributary.edge.mqtt.auth;

import io.tributary.protocol.auth.Credentials;
import java.io.IOException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The MQTT users of the edge: one {@code user:secret} line each, blank lines and {@code #} comments ignored, the user
 * name ending at the first {@code ':'}. The secret is a {@link PasswordHash} ({@code $pbkdf2-sha256$...}, made by
 * {@code ./tributary passwd}); the older forms, a plain password or {@code {sha256}hex} (unsalted SHA-256), still
 * work but are logged as a WARN at load, naming the users, as they give away the password to whoever reads the file.
 *
 * <p>A successful PBKDF2 verification is remembered as SHA-256(salt, password) per user, so that a device that
 * reconnects costs one hash, not 100,000; a failed one is never remembered. An unknown user costs a full
 * verification too, so timing does not tell which users exist.
 *
 * <p>Thread-safe; {@link #verify} may take a CPU-bound 0.1 s, never call it on an event loop.
 */
public final class PasswordFile {

    private static final Logger log = LoggerFactory.getLogger(PasswordFile.class);
    /**
     * Checked for a user that does not exist, so that it costs as much as a real one. A constant, not a fresh hash: that
     * would cost a PBKDF2 run (seconds on a busy gateway before the JIT) at every start; no password matches it.
     */
    private static final PasswordHash UNKNOWN_USER = PasswordHash.parse("$pbkdf2-sha256$"
            + PasswordHash.DEFAULT_ITERATIONS + "$dW5rbm93bi11c2VyLXNhbHQ$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");

    private final Map<String, PasswordHash> hashed;
    private final Credentials legacy;
    private final List<String> legacyUsers;
    private final Map<String, byte[]> verified = new ConcurrentHashMap<>();

    private PasswordFile(Map<String, PasswordHash> hashed, Map<String, String> legacy) {
        this.hashed = Map.copyOf(hashed);
        this.legacy = Credentials.of(legacy);
        this.legacyUsers = List.copyOf(legacy.keySet());
    }

    /** Builds from {@code user -> secret} in any of the file's forms (tests, embedding). */
    public static PasswordFile of(Map<String, String> users) {
        return parse(users, "users");
    }

    /**
     * Loads a password file and logs, at WARN, the users whose secret is not a {@link PasswordHash}.
     *
     * @throws IllegalArgumentException listing every malformed line with its number
     */
    public static PasswordFile load(Path file) throws IOException {
        Map<String, String> users = Credentials.readUserLines(file, (user, secret) -> {
            if (PasswordHash.isHash(secret)) {
                PasswordHash.parse(secret); // the line number of a bad hash goes with the error
            }
        });
        PasswordFile parsed = parse(users, file.toString());
        if (!parsed.legacyUsers.isEmpty()) {
            log.warn(
                    "Password file {}: {} user(s) with a plain or {{sha256}} password, which whoever reads the file"
                            + " can use or crack at once: {}. Replace each line with the output of"
                            + " './tributary passwd --user NAME' (PBKDF2); these forms will be refused in a later release.",
                    file,
                    parsed.legacyUsers.size(),
                    parsed.legacyUsers.size() > 20
                            ? String.join(", ", parsed.legacyUsers.subList(0, 20)) + ", ..."
                            : String.join(", ", parsed.legacyUsers));
        }
        log.info("Password file {}: {} users", file, parsed.size());
        return parsed;
    }

    private static PasswordFile parse(Map<String, String> users, String origin) {
        Map<String, PasswordHash> hashed = new HashMap<>();
        Map<String, String> legacy = new HashMap<>();
        List<String> errors = new ArrayList<>();
        users.forEach((user, secret) -> {
            if (user.isEmpty()) {
                errors.add("empty user name");
            } else if (PasswordHash.isHash(secret)) {
                try {
                    hashed.put(user, PasswordHash.parse(secret));
                } catch (IllegalArgumentException e) {
                    errors.add("user '" + user + "': " + e.getMessage());
                }
            } else {
                legacy.put(user, secret);
            }
        });
        try {
            Credentials.of(legacy);
        } catch (IllegalArgumentException e) {
            errors.add(e.getMessage());
        }
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException("bad password file " + origin + ": " + String.join("; ", errors));
        }
        return new PasswordFile(hashed, legacy);
    }

    /** Whether {@code password} (as sent in CONNECT) is {@code user}'s. CPU-bound; constant-time comparisons. */
    public boolean verify(String user, byte[] password) {
        PasswordHash hash = hashed.get(user);
        if (hash == null) {
            if (legacy.size() > 0 && legacyUsers.contains(user)) {
                return legacy.authenticate(user, password);
            }
            UNKNOWN_USER.verify(password);
            return false;
        }
        byte[] quick = quickDigest(hash, password);
        byte[] known = verified.get(user);
        if (known != null && MessageDigest.isEqual(known, quick)) {
            return true;
        }
        if (!hash.verify(password)) {
            return false;
        }
        verified.put(user, quick);
        return true;
    }

    private static byte[] quickDigest(PasswordHash hash, byte[] password) {
        byte[] salt = hash.salt();
        byte[] input = new byte[salt.length + password.length];
        System.arraycopy(salt, 0, input, 0, salt.length);
        System.arraycopy(password, 0, input, salt.length, password.length);
        return Credentials.sha256(input);
    }

    /** Users whose secret is a plain password or an unsalted SHA-256. */
    public List<String> legacyUsers() {
        return legacyUsers;
    }

    /** Number of users. */
    public int size() {
        return hashed.size() + legacyUsers.size();
    }
}
