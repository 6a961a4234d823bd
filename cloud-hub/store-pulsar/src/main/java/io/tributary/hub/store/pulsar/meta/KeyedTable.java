package io.tributary.hub.store.pulsar.meta;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.ProducerAccessMode;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.PulsarClientException;
import org.apache.pulsar.client.api.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A table of keys to values kept in one compacted Pulsar topic and shared by every process that opens it: reads come
 * from memory, changes are serialised across processes. Used for the stream catalog and the epoch grants.
 *
 * <p><b>On the topic.</b> One message per change: key = the table key, value = {@link Codec#encode} of the new value;
 * an empty value is a tombstone (the key is deleted). Pulsar's compaction keeps only each key's newest message, so a
 * reader that starts from the compacted view reads about one message per live key. {@link #open} reads the table with
 * a {@link TableReader} (a {@code readCompacted} reader from the earliest message, then following the tail).
 *
 * <p><b>Cross-process lock and fence.</b> {@link #update} takes the topic with a producer in {@link
 * ProducerAccessMode#Exclusive} mode, retrying while another process holds it (backing off from 5 to 100 ms) until
 * the lock timeout, and closes it when done. Taking it bumps the topic's epoch on the broker, and a producer of an
 * older epoch is refused — also when it reconnects after a topic unload or a broker restart, which is why it is not
 * {@code WaitForExclusive}: in the client and broker we run (4.2.4) a queued {@code WaitForExclusive} producer that
 * reconnects is handed the topic again without the epoch check, so a stale holder's resent write could land after
 * the next holder's. A holder that dies frees the topic when the broker sees its connection close (at once for a
 * killed process; after the client keep-alive for a lost host). After taking it, {@link #update} waits until the
 * reader has applied every message up to the topic's last one, decides on the newest value, sends, waits for the
 * durable acknowledgement, sets the written value in memory (so {@link #get} returns it when {@link #update} returns,
 * and never an older one: everything before it was applied already), and releases.
 *
 * <p><b>Failures.</b> Every wait is bounded ({@link Settings}): a whole {@link #update} by the lock timeout plus the
 * operation timeout; a failure is an {@link IOException} saying what did not happen. A send that times out has an unknown outcome: it is reported as not made, and if the broker stored it
 * after all, every reader (this one included) applies it when it reads it.
 *
 * <p>Threads: thread-safe. Listeners run on the table's own thread ({@code table-<topic>}), one change at a time, in
 * topic order; they may block briefly but should not call {@link #update}.
 *
 * @param <V> the decoded value type
 */
public final class KeyedTable<V> implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KeyedTable.class);

    /** Encodes and decodes values; {@code decode} throws a {@link RuntimeException} saying what is wrong. */
    public interface Codec<V> {
        byte[] encode(V value);

        V decode(String key, byte[] bytes);
    }

    /**
     * Bounds of the table's waits.
     *
     * @param lockTimeout how long {@link #update} waits for the cross-process lock
     * @param operationTimeout bound of each other Pulsar operation (open, read to the end, send, close)
     * @param checkInterval how often the table checks that it still follows the topic (see {@link #problems})
     */
    public record Settings(Duration lockTimeout, Duration operationTimeout, Duration checkInterval) {}

    /**
     * What one {@link #update} did: the newest value before it (under the lock) and the value written (equal to
     * {@code before} when nothing was written).
     */
    public record Update<V>(Optional<V> before, Optional<V> after) {}

    /** The shortest wait for one try at the lock, so that the last try near the deadline can still be answered. */
    private static final long MIN_ATTEMPT_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final PulsarClient client;
    private final String topic;
    private final Codec<V> codec;
    private final Settings settings;
    private final TableReader reader;
    private final ScheduledExecutorService thread;
    private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();
    private final ReentrantLock local = new ReentrantLock();
    private volatile String lastCheckProblem;

    private KeyedTable(
            PulsarClient client,
            String topic,
            Codec<V> codec,
            Settings settings,
            ScheduledExecutorService thread,
            java.util.function.Function<Consumer<String>, TableReader> startReader)
            throws IOException {
        this.client = client;
        this.topic = topic;
        this.codec = codec;
        this.settings = settings;
        this.thread = thread;
        try {
            this.reader = startReader.apply(this::changed);
        } catch (UncheckedIOException e) {
            thread.shutdownNow();
            throw e.getCause();
        }
        long every = settings.checkInterval().toMillis();
        thread.scheduleWithFixedDelay(this::check, every, every, TimeUnit.MILLISECONDS);
    }

    /**
     * Reads the whole table of {@code topic} (which must exist) into memory and follows it.
     *
     * @throws IOException when the topic cannot be read to its end within the operation timeout
     */
    public static <V> KeyedTable<V> open(PulsarClient client, String topic, Codec<V> codec, Settings settings)
            throws IOException {
        String name = topic.substring(topic.lastIndexOf('/') + 1);
        ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "table-" + name);
            t.setDaemon(true);
            return t;
        });
        KeyedTable<V> table = new KeyedTable<>(client, topic, codec, settings, thread, listener -> {
            try {
                return TableReader.start(client, topic, settings.operationTimeout(), listener, name);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        try {
            table.reader.readTo(settings.operationTimeout());
        } catch (IOException e) {
            table.close();
            throw e;
        }
        LOG.info("table {}: {} keys read", topic, table.reader.entries().size());
        return table;
    }

    public String topic() {
        return topic;
    }

    /**
     * The value of {@code key} as last read; no I/O.
     *
     * @throws RuntimeException what {@link Codec#decode} threw for a stored value that does not decode
     */
    public Optional<V> get(String key) {
        byte[] bytes = reader.get(key);
        return bytes == null ? Optional.empty() : Optional.of(codec.decode(key, bytes));
    }

    /**
     * Every entry as last read, by key; entries that do not decode are passed to {@code unreadable} with the error
     * and left out.
     */
    public Map<String, V> entries(java.util.function.BiConsumer<String, RuntimeException> unreadable) {
        Map<String, V> out = new TreeMap<>();
        for (Map.Entry<String, byte[]> e : reader.entries().entrySet()) {
            try {
                out.put(e.getKey(), codec.decode(e.getKey(), e.getValue()));
            } catch (RuntimeException bad) {
                unreadable.accept(e.getKey(), bad);
            }
        }
        return out;
    }

    /**
     * Tells {@code listener} the key of every change read from the topic from now on (this process's own too), on
     * the table's thread, after {@link #get} returns the new value.
     */
    public void listen(Consumer<String> listener) {
        listeners.add(listener);
    }

    /** From the reader thread: hands the key to the table's thread for the listeners. */
    private void changed(String key) {
        if (listeners.isEmpty()) {
            return;
        }
        try {
            thread.execute(() -> {
                for (Consumer<String> l : listeners) {
                    try {
                        l.accept(key);
                    } catch (RuntimeException e) {
                        LOG.error("table {}: listener failed on key {}", topic, key, e);
                    }
                }
            });
        } catch (RejectedExecutionException closing) {
            // closed meanwhile: nobody to tell
        }
    }

    /**
     * Changes one key under the cross-process lock: {@code change} is called exactly once with the newest value and
     * returns the one to store (empty: delete; its argument: write nothing) or throws to refuse.
     *
     * @throws IOException when the lock is not taken within the lock timeout, the table cannot be read to its end,
     *     or the write is not acknowledged within the operation timeout; nothing was applied here
     */
    public Update<V> update(String key, UnaryOperator<Optional<V>> change) throws IOException {
        // One bound for the whole change: the lock (this process's, then the topic's) within the lock timeout, then
        // reading, deciding and writing within the operation timeout — so an admin request waits at most their sum.
        long lockDeadline = System.nanoTime() + settings.lockTimeout().toNanos();
        long deadline = lockDeadline + settings.operationTimeout().toNanos();
        try {
            if (!local.tryLock(Math.max(0, lockDeadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                throw new IOException("table " + topic + ": another change in this process held the lock for "
                        + settings.lockTimeout().toMillis() + " ms");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted waiting for the lock of table " + topic, e);
        }
        try {
            Producer<byte[]> lock = takeLock(lockDeadline);
            try {
                reader.readTo(left(deadline));
                Optional<V> before = get(key);
                Optional<V> after = change.apply(before);
                if (!after.equals(before)) {
                    byte[] value = after.map(codec::encode).orElse(new byte[0]);
                    await(
                            lock.newMessage().key(key).value(value).sendAsync(),
                            left(deadline),
                            "writing key " + key + " to table " + topic);
                    reader.wrote(key, value);
                }
                return new Update<>(before, after);
            } finally {
                release(lock);
            }
        } finally {
            local.unlock();
        }
    }

    /** What is left until {@code deadline} (a {@link System#nanoTime} value), at least a millisecond. */
    private static Duration left(long deadline) {
        return Duration.ofNanos(Math.max(TimeUnit.MILLISECONDS.toNanos(1), deadline - System.nanoTime()));
    }

    /**
     * Takes the topic with an Exclusive producer, retrying while another process holds it, until {@code deadline} (a
     * {@link System#nanoTime} value).
     */
    private Producer<byte[]> takeLock(long deadline) throws IOException {
        long backoffMs = 5;
        boolean sawHeld = false;
        while (true) {
            long left = deadline - System.nanoTime();
            if (sawHeld && left < MIN_ATTEMPT_NANOS) {
                throw heldElsewhere();
            }
            CompletableFuture<Producer<byte[]>> taking = client.newProducer(Schema.BYTES)
                    .topic(topic)
                    .accessMode(ProducerAccessMode.Exclusive)
                    .enableBatching(false)
                    .sendTimeout((int) settings.operationTimeout().toMillis(), TimeUnit.MILLISECONDS)
                    .createAsync();
            try {
                Duration attempt = Duration.ofNanos(Math.max(
                        MIN_ATTEMPT_NANOS,
                        Math.min(left, settings.operationTimeout().toNanos())));
                return await(taking, attempt, "taking the lock of table " + topic);
            } catch (IOException e) {
                taking.thenAccept(this::release); // granted after we gave up: let the next one have it
                boolean held = e.getCause() instanceof PulsarClientException.ProducerBusyException
                        || e.getCause() instanceof PulsarClientException.ProducerFencedException;
                sawHeld |= held;
                if (!sawHeld || deadline - System.nanoTime() <= 0) {
                    throw sawHeld ? heldElsewhere() : e;
                }
                LockSupport.parkNanos(
                        Math.min(Math.max(0, deadline - System.nanoTime()), TimeUnit.MILLISECONDS.toNanos(backoffMs)));
                backoffMs = Math.min(100, backoffMs * 2);
            }
        }
    }

    private IOException heldElsewhere() {
        return new IOException("table " + topic + ": the lock is held by another process (waited "
                + settings.lockTimeout().toMillis() + " ms)");
    }

    private void release(Producer<byte[]> lock) {
        lock.closeAsync()
                .orTimeout(settings.operationTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((x, e) -> {
                    if (e != null) {
                        LOG.warn(
                                "table {}: releasing the lock: {} (the broker frees it when the connection goes)",
                                topic,
                                e.toString());
                    }
                });
    }

    /**
     * What is wrong with the table now, empty when nothing is: the reader stopped, or the last periodic check could
     * not read the topic to its end within the operation timeout (the table may be stale: other processes' changes
     * are not seen).
     */
    public List<String> problems() {
        List<String> out = new ArrayList<>();
        String stopped = reader.failure();
        if (stopped != null) {
            out.add("table " + topic + " stopped reading: " + stopped);
        }
        String p = lastCheckProblem;
        if (p != null) {
            out.add(p);
        }
        return out;
    }

    private void check() {
        String before = lastCheckProblem;
        try {
            reader.readTo(settings.operationTimeout());
            if (before != null) {
                LOG.info("table {}: reading the topic again", topic);
            }
            lastCheckProblem = null;
        } catch (IOException e) {
            lastCheckProblem = e.getMessage();
            if (before == null) {
                LOG.error("{}; changes made by other processes are not seen until it is", lastCheckProblem);
            }
        }
    }

    private static <T> T await(CompletableFuture<T> future, Duration bound, String what) throws IOException {
        try {
            return future.get(bound.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted " + what, e);
        } catch (TimeoutException e) {
            throw new IOException(what + ": no answer within " + bound.toMillis() + " ms", e);
        } catch (ExecutionException e) {
            throw new IOException(what + ": " + describe(e.getCause()), e.getCause());
        }
    }

    private static String describe(Throwable e) {
        Throwable t = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
        String m = t.getMessage();
        return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
    }

    /** Stops following and closes the reader; the client is the caller's. Idempotent. */
    @Override
    public void close() {
        thread.shutdownNow();
        reader.close();
    }
}
