package io.tributary.hub.stream;

import java.nio.charset.StandardCharsets;
import net.jpountz.xxhash.XXHash64;
import net.jpountz.xxhash.XXHashFactory;

/**
 * Hashes partition keys into the unsigned 64-bit space that shards divide.
 *
 * <p>The hash is XXH64 (seed 0) of the key's UTF-8 bytes, from lz4-java, which the hub also uses for LZ4: XXH64 is a
 * published, stable algorithm with good distribution and speed, so a key hashes the same on every hub, every
 * version and in every client language. The pure-Java implementation is used, never the JNI one, so the result does
 * not depend on a native library being loadable. Changing the hash would move keys between shards and break
 * per-device order: it is part of the stream format.
 *
 * <p>Thread-safe and lock-free.
 */
public final class PartitionKeys {

    private static final XXHash64 XXH64 = XXHashFactory.fastestJavaInstance().hash64();
    private static final long SEED = 0L;

    private PartitionKeys() {}

    /** The 64-bit hash of {@code key}, to be compared unsigned. */
    public static long hash(String key) {
        byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
        return XXH64.hash(bytes, 0, bytes.length, SEED);
    }
}
