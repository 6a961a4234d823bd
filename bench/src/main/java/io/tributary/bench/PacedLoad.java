package io.tributary.bench;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.tributary.hub.client.Producer;
import io.tributary.hub.client.PutResult;
import io.tributary.protocol.v1.ContentType;
import io.tributary.protocol.v1.Record;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Recorder;

/**
 * Offers records to a {@link Producer} at a fixed rate from the calling thread: one put of {@code batch} records at a
 * time, keys taken round-robin, at most {@code window} puts unacknowledged, each put's ack latency (µs) recorded.
 * The first 8 payload bytes of every record are {@link System#nanoTime()} when the put was built, so a reader in the
 * same JVM can measure put → receive latency. Not thread-safe; one instance per thread.
 *
 * @param keys partition keys to cycle through
 * @param rate records per second offered (0: as fast as acknowledged)
 * @param batch records per put
 * @param recordBytes payload bytes per record (at least 8)
 * @param window puts in flight at most
 * @param distinct each record its own pseudo-random bytes after the send time (LZ4 cannot shrink them), rather than
 *     one repeated filler per put (which compresses to almost nothing)
 */
record PacedLoad(List<String> keys, long rate, int batch, int recordBytes, int window, boolean distinct) {

    /** One compressible payload per put. */
    PacedLoad(List<String> keys, long rate, int batch, int recordBytes, int window) {
        this(keys, rate, batch, recordBytes, window, false);
    }

    /** Reads the send time written by {@link #run}. */
    static long sendNanos(ByteString payload) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (payload.byteAt(i) & 0xff);
        }
        return v;
    }

    /** {@code filler}'s first 8 bytes (the send time), then pseudo-random bytes. */
    private static ByteString randomized(byte[] filler) {
        byte[] b = new byte[filler.length];
        ThreadLocalRandom.current().nextBytes(b);
        System.arraycopy(filler, 0, b, 0, 8);
        return UnsafeByteOperations.unsafeWrap(b);
    }

    /**
     * Puts {@code total} records (or until {@code stop} is set when {@code total} is negative); returns records acked.
     *
     * @throws IllegalStateException when a put failed
     */
    long run(Producer producer, long total, Recorder acks, java.util.function.BooleanSupplier stop) {
        AckTally tally = new AckTally(acks);
        Semaphore inFlight = new Semaphore(window);
        byte[] filler = new byte[Math.max(8, recordBytes)];
        Arrays.fill(filler, (byte) 'x');
        long start = System.nanoTime();
        long sent = 0;
        int chunk = 0;
        while ((total < 0 || sent < total) && !stop.getAsBoolean()) {
            int n = (int) (total < 0 ? batch : Math.min(batch, total - sent));
            if (rate > 0) {
                long wait = start + (long) (sent * 1e9 / rate) - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
            }
            String key = keys.get(chunk++ % keys.size());
            List<Record.Builder> list = new ArrayList<>(n);
            long now = System.nanoTime();
            for (int i = 0; i < 8; i++) {
                filler[i] = (byte) (now >>> (56 - 8 * i));
            }
            ByteString payload = ByteString.copyFrom(filler);
            long ms = System.currentTimeMillis();
            for (int i = 0; i < n; i++) {
                list.add(WriteLoad.record(
                        key, i, ms, ContentType.CONTENT_TYPE_RAW, distinct ? randomized(filler) : payload));
            }
            inFlight.acquireUninterruptibly();
            long t0 = System.nanoTime();
            List<CompletableFuture<PutResult>> fs = producer.putAll(key, list);
            tally.track(CompletableFuture.allOf(fs.toArray(CompletableFuture[]::new)), n, t0, inFlight);
            sent += n;
        }
        inFlight.acquireUninterruptibly(window);
        tally.throwIfFailed();
        return tally.acked();
    }
}
