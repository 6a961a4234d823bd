package io.tributary.edge.buffer;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The 46-bit identities kept in a buffer marker's 64-bit sequence beside a 16-bit packet id (the bridge's redelivery
 * marks, the MQTT endpoint's QoS 2 receipts). Two identities collide with probability 2^-46.
 */
public final class MarkerIdentity {

    /** The bits an identity occupies. */
    public static final long MASK = (1L << 46) - 1;

    private MarkerIdentity() {}

    /** 46 bits of SHA-256 over {@code parts}, a NUL byte between each two. */
    public static long of(byte[]... parts) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            for (int i = 0; i < parts.length; i++) {
                if (i > 0) {
                    d.update((byte) 0);
                }
                d.update(parts[i]);
            }
            return ByteBuffer.wrap(d.digest()).getLong() & MASK;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
