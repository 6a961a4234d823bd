package io.tributary.edge.buffer;

/**
 * How MapDB reaches the file. All three sit under MapDB's write-ahead log ({@code transactionEnable()}), which is what
 * makes a commit durable and a crash recoverable; they differ in speed and in failure modes.
 *
 * <p>Measured here (2 shared vCPUs, 64–256 KiB per commit): the file channel was fastest (≈ 5–9 ms per commit,
 * 10–29 MB/s), mmap slowest and most erratic (up to 70 ms for a 64 KiB commit while the file grows), random access
 * file in between. The default is {@link #RANDOM_ACCESS_FILE}: close to the channel's speed, and unlike a
 * {@code FileChannel} it is not closed for good when a thread that touches it is interrupted (MapDB then fails every
 * later call with {@code VolumeClosedByInterrupt}) — the forwarder reads on its own threads, which the buffer does not
 * control.
 */
public enum StorageMode {
    RANDOM_ACCESS_FILE,
    FILE_CHANNEL,
    MMAP
}
