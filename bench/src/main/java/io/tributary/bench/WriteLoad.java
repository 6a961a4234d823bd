package io.tributary.bench;

import com.google.protobuf.ByteString;
import io.tributary.protocol.v1.Codec;
import io.tributary.protocol.v1.ContentType;
import io.tributary.protocol.v1.Record;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import org.HdrHistogram.Recorder;

/**
 * The write load of {@code bench hub}, whatever it is offered to (a hub, or Pulsar directly): {@code producers}
 * threads, each with at most {@code window} batches of {@code batch} records of {@code recordBytes} unacknowledged,
 * records spread over {@code shards} shards. Immutable.
 *
 * @param rate records/s offered in total; 0 = as fast as acknowledged
 * @param timeLimitNanos a thread stops offering after this long (its batches in flight still count)
 */
record WriteLoad(
        int shards,
        int recordBytes,
        int batch,
        int producers,
        int window,
        String codec,
        long rate,
        long timeLimitNanos) {

    /** How long a thread waits for its last batches' acknowledgements before the phase fails. */
    static final long DRAIN_SECONDS = 60;

    /** Where one load thread sends its batches; closed by the thread when it is done. */
    interface Sender extends AutoCloseable {
        /**
         * Builds the {@code chunk}-th batch of {@code n} records of thread {@code thread}, starting at the thread's
         * {@code firstSeq}-th record; the supplier sends it (the ack latency is timed around it only) and returns a
         * future completed by the acknowledgement. The supplier is not called when the thread's time is up meanwhile, so
         * anything that must not be skipped (a sequence number) belongs in the supplier.
         */
        Supplier<CompletableFuture<?>> prepare(int thread, long chunk, long firstSeq, int n);

        @Override
        void close();
    }

    /** What a run acknowledged (records, batches), and whether its time limit stopped it before all were offered. */
    record Outcome(long acked, long batches, boolean timeUp) {}

    /**
     * Offers {@code total} records (split evenly over the threads) through one {@link Sender} per thread, recording
     * each batch's ack latency in µs; bounded by the time limit and {@link #DRAIN_SECONDS}.
     *
     * @throws IllegalStateException when a batch or a thread failed (the first error is the cause)
     */
    Outcome run(long total, Recorder recorder, IntFunction<Sender> senders) throws InterruptedException {
        AckTally tally = new AckTally(recorder);
        AtomicLong offered = new AtomicLong();
        long perThread = total / producers;
        List<Thread> threads = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            int id = p;
            Thread t = new Thread(
                    () -> {
                        try (Sender sender = senders.apply(id)) {
                            Semaphore inFlight = new Semaphore(window);
                            long start = System.nanoTime();
                            long sent = 0;
                            for (long chunk = 0; sent < perThread; chunk++) {
                                int n = (int) Math.min(batch, perThread - sent);
                                Supplier<CompletableFuture<?>> put = sender.prepare(id, chunk, sent, n);
                                if (!awaitTurn(start, sent, inFlight)) {
                                    break;
                                }
                                long t0 = System.nanoTime();
                                CompletableFuture<?> f;
                                try {
                                    f = put.get();
                                } catch (RuntimeException e) {
                                    f = CompletableFuture.failedFuture(e);
                                }
                                tally.track(f, n, t0, inFlight);
                                sent += n;
                            }
                            offered.addAndGet(sent);
                            drain(inFlight);
                        } catch (RuntimeException e) {
                            tally.fail(1, e);
                        }
                    },
                    "bench-load-" + p);
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            t.join();
        }
        tally.throwIfFailed();
        return new Outcome(tally.acked(), tally.batches(), offered.get() < perThread * producers);
    }

    WriteLoad withRate(long recordsPerSecond) {
        return new WriteLoad(shards, recordBytes, batch, producers, window, codec, recordsPerSecond, timeLimitNanos);
    }

    WriteLoad withTimeLimit(long nanos) {
        return new WriteLoad(shards, recordBytes, batch, producers, window, codec, rate, nanos);
    }

    Codec protocolCodec() {
        return Codec.valueOf("CODEC_" + codec.toUpperCase(Locale.ROOT));
    }

    /**
     * The records of one batch as the bench's producers build them: a JSON head with the sequence and time, then
     * {@code 'x'} up to {@code recordBytes} (so LZ4 shrinks a batch several times), 50 device ids, one group.
     */
    List<Record.Builder> records(String group, long firstSeq, int n) {
        List<Record.Builder> list = new ArrayList<>(n);
        long now = System.currentTimeMillis();
        for (int i = 0; i < n; i++) {
            byte[] h = ("{\"seq\":" + (firstSeq + i) + ",\"t\":" + now + ",\"v\":").getBytes(StandardCharsets.US_ASCII);
            byte[] payload = new byte[recordBytes];
            Arrays.fill(payload, (byte) 'x');
            System.arraycopy(h, 0, payload, 0, Math.min(h.length, recordBytes));
            list.add(record(group, i, now, ContentType.CONTENT_TYPE_JSON, ByteString.copyFrom(payload)));
        }
        return list;
    }

    /** The {@code i}-th record of a bench batch: device {@code d<i mod 50>} of {@code group}, metric {@code m}. */
    static Record.Builder record(String group, int i, long eventTimeMs, ContentType type, ByteString payload) {
        return Record.newBuilder()
                .setDeviceId("d" + i % 50)
                .setDeviceGroup(group)
                .setMetric("m")
                .setEventTimeMs(eventTimeMs)
                .setContentType(type)
                .setPayload(payload);
    }

    /**
     * Paces one thread: waits until the batch starting at its {@code sent}-th record is due ({@code rate} split
     * evenly over the threads), then for a window slot. False when the thread's time is up.
     */
    boolean awaitTurn(long start, long sent, Semaphore inFlight) {
        long perThread = rate / producers;
        if (perThread > 0) {
            long wait = start + (long) (sent * 1e9 / perThread) - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
        }
        long left = start + timeLimitNanos - System.nanoTime();
        try {
            return left > 0 && inFlight.tryAcquire(left, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Waits (bounded) until every batch of a thread is acknowledged or failed. */
    void drain(Semaphore inFlight) {
        try {
            if (!inFlight.tryAcquire(window, DRAIN_SECONDS, TimeUnit.SECONDS)) {
                throw new IllegalStateException((window - inFlight.availablePermits())
                        + " batches unacknowledged after " + DRAIN_SECONDS + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for acknowledgements", e);
        }
    }
}
