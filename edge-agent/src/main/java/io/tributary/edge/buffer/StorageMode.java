package io.tributary.edge.buffer;

/**
 * How MapDB reaches the file. All three sit under MapDB's write-ahead log ({@code transactionEnable()}), which is what
 * makes a commit durable (strace shows about three {@code fsync} per commit) and a crash recoverable (the WAL is
 * replayed at open; {@code DurableBufferCrashIT} kills a writer 20 times with SIGKILL and loses nothing); they differ
 * in speed and failure modes.
 *
 * <p>Measured with {@code BufferThroughput} (10 producers, 100-byte records, 2 shared vCPUs under load): file channel
 * ≈ 81k appends/s, random access file ≈ 74k/s, mmap ≈ 26k/s (its remapping as the file grows stalls commits).
 *
 * <p>The default is {@link #RANDOM_ACCESS_FILE}: unlike a {@code FileChannel} it is not closed for good when a thread
 * touching it is interrupted (MapDB then fails every later call with {@code VolumeClosedByInterrupt}).
 *
 * <p>Known defect: {@code EdgeCrashIT} (run with {@code -Pedge-crash}: an agent killed 20 times while it appends, reads
 * and releases) finds buffer files that MapDB cannot reopen after a SIGKILL — BTree nodes that no longer deserialize,
 * broken free-list parity — with both the random-access-file and the file-channel volume. See issue 5.
 */
public enum StorageMode {
    RANDOM_ACCESS_FILE,
    FILE_CHANNEL,
    MMAP
}
