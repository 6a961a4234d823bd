package io.tributary.edge.mqtt.auth;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.spec.KeySpec;
import java.util.Base64;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * PBKDF2-HMAC-SHA256 password hashes, by the JDK's {@code javax.crypto} (no library needed; bcrypt and Argon2 would
 * need one). Stored string, one per password-file entry:
 *
 * <pre>
 * $pbkdf2-sha256$&lt;iterations&gt;$&lt;salt&gt;$&lt;hash&gt;
 * </pre>
 *
 * with salt (16 random bytes) and hash (32 bytes) in standard Base64 without padding, so every entry carries its own
 * salt and cost and the cost can be raised for new entries without touching old ones. Verification compares in
 * constant time. Stateless and thread-safe; a verification costs {@code iterations} HMAC-SHA256 rounds of CPU (about
 * 0.1 s at the default on a small gateway core), so callers keep it off event loops.
 */
public final class PasswordHash {

    /** The prefix of every stored hash. */
    public static final String PREFIX = "$pbkdf2-sha256$";

    /** Iterations of new hashes unless told otherwise. */
    public static final int DEFAULT_ITERATIONS = 100_000;

    /** Fewer iterations than this are refused when a file is loaded: such a hash is no protection. */
    public static final int MIN_ITERATIONS = 1_000;

    static final int MAX_ITERATIONS = 10_000_000;
    private static final int SALT_BYTES = 16;
    private static final int HASH_BYTES = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final int iterations;
    private final byte[] salt;
    private final byte[] hash;

    private PasswordHash(int iterations, byte[] salt, byte[] hash) {
        this.iterations = iterations;
        this.salt = salt;
        this.hash = hash;
    }

    /** Hashes {@code password} with a fresh random salt; returns the stored string. */
    public static String create(char[] password, int iterations) {
        if (iterations < MIN_ITERATIONS || iterations > MAX_ITERATIONS) {
            throw new IllegalArgumentException(
                    "iterations must be " + MIN_ITERATIONS + ".." + MAX_ITERATIONS + ": " + iterations);
        }
        byte[] salt = new byte[SALT_BYTES];
        RANDOM.nextBytes(salt);
        Base64.Encoder b64 = Base64.getEncoder().withoutPadding();
        return PREFIX + iterations + "$" + b64.encodeToString(salt) + "$"
                + b64.encodeToString(derive(password, salt, iterations, HASH_BYTES));
    }

    /** Whether {@code stored} looks like a hash of this class (it may still be malformed: see {@link #parse}). */
    public static boolean isHash(String stored) {
        return stored.startsWith(PREFIX);
    }

    /**
     * Parses a stored string.
     *
     * @throws IllegalArgumentException saying what is wrong with it
     */
    public static PasswordHash parse(String stored) {
        if (!isHash(stored)) {
            throw new IllegalArgumentException("not a " + PREFIX + " hash");
        }
        String[] parts = stored.substring(PREFIX.length()).split("\\$", -1);
        if (parts.length != 3) {
            throw new IllegalArgumentException("expected " + PREFIX + "ITERATIONS$SALT$HASH");
        }
        int iterations;
        try {
            iterations = Integer.parseInt(parts[0]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("iterations '" + parts[0] + "' is not a number");
        }
        if (iterations < MIN_ITERATIONS || iterations > MAX_ITERATIONS) {
            throw new IllegalArgumentException(
                    "iterations must be " + MIN_ITERATIONS + ".." + MAX_ITERATIONS + ": " + iterations);
        }
        byte[] salt;
        byte[] hash;
        try {
            salt = Base64.getDecoder().decode(parts[1]);
            hash = Base64.getDecoder().decode(parts[2]);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("salt or hash is not Base64");
        }
        if (salt.length < 8 || hash.length < 16) {
            throw new IllegalArgumentException("salt (>= 8 bytes) or hash (>= 16 bytes) too short");
        }
        return new PasswordHash(iterations, salt, hash);
    }

    /** Whether {@code password} (UTF-8 bytes) hashes to this; constant-time comparison. */
    public boolean verify(byte[] password) {
        char[] chars = new String(password, java.nio.charset.StandardCharsets.UTF_8).toCharArray();
        try {
            return MessageDigest.isEqual(hash, derive(chars, salt, iterations, hash.length));
        } finally {
            java.util.Arrays.fill(chars, '\0');
        }
    }

    /** The salt; a cache of verified passwords keys on it so that a changed entry invalidates the cache. */
    byte[] salt() {
        return salt.clone();
    }

    public int iterations() {
        return iterations;
    }

    private static byte[] derive(char[] password, byte[] salt, int iterations, int bytes) {
        KeySpec spec = new PBEKeySpec(password, salt, iterations, bytes * 8);
        try {
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256")
                    .generateSecret(spec)
                    .getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 is required by every JRE", e);
        }
    }
}
