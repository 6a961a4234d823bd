package io.tributary.hub.store.pulsar.meta;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.ProducerAccessMode;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.Schema;
import org.apache.pulsar.client.api.TableView;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A table of keys to values kept in one compacted Pulsar topic and shared by every process that opens it: reads come
 * from memory, changes are serialised across processes. Reusable for any small, rarely changed table (the stream
 * catalog; epoch grants and consumer-group checkpoints are candidates).
 *
 * <p><b>On the topic.</b> One message per change: key = the table key, value = {@link Codec#encode} of the new value;
 * an empty value is a tombstone (the key is deleted). Pulsar's compaction keeps only each key's newest message, so a
 * reader that starts from the compacted view reads about one message per live key; {@link #open} reads the table
 * with Pulsar's {@link TableView} (a {@code readCompacted} reader from the earliest message to the topic's last
 * message id, then following the tail).
 *
 * <p><b>Cross-process lock.</b> {@link #update} creates a producer with {@link ProducerAccessMode#WaitForExclusive}
 * and closes it when done: the broker that owns the topic grants it to one producer at a time and queues the others,
 * so no polling and no clocks are involved. It is a fence as well as a lock: granting it bumps the topic's epoch,
 * and the broker refuses any later send of a producer that lost it (a process whose connection dropped while it held
 * it), so nothing can land between the next holder's read and its write. A holder that dies releases it when the
 * broker sees its connection close (at once for a killed process; after the client keep-alive for a lost host).
 * After taking it, {@link #update} refreshes the view to the topic's last message id ({@link TableView#refreshAsync}),
 * decides on the newest value, sends, waits for the durable acknowledgement, reads its own write back (so {@link #get}
 * returns it when {@link #update} returns), and releases.
 *
 * <p><b>Failures.</b> Every wait is bounded ({@link Settings}); a failure is an {@link IOException} saying what did
 * not happen. A send that times out has an unknown outcome: it is reported as not made, and if the broker stored it
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
     * @param operationTimeout bound of each other Pulsar operation (open, refresh, send, close)
     * @param checkInterval how often the table checks that it still follows the topic (a refresh, see {@link
     *     #problems})
     */
    public record Settings(Duration lockTimeout, Duration operationTimeout, Duration checkInterval) {}

    /**
     * What one {@link #update} did: the newest value before it (under the lock) and the value written (equal to
     * {@code before} when nothing was written).
     */
    public record Update<V>(Optional<V> before, Optional<V> after) {}

    private final PulsarClient client;
    private final String topic;
    private final Codec<V> codec;
    private final Settings settings;
    private final TableView<byte[]> view;
    private final ScheduledExecutorService thread;
    private final ReentrantLock local = new ReentrantLock();
    private volatile String lastCheckProblem;

    private KeyedTable(
            PulsarClient client, String topic, Codec<V> codec, Settings settings, TableView<byte[]> view, String name) {
        this.client = client;
        this.topic = topic;
        this.codec = codec;
        this.settings = settings;
        this.view = view;
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "table-" + name);
            t.setDaemon(true);
            return t;
        });
        long every = settings.checkInterval().toMillis();
        thread.scheduleWithFixedDelay(this::check, every, every, TimeUnit.MILLISECONDS);
    }

    /**
     * Reads the whole table of {@code topic} (which must exist) into memory and follows it.
     *
     * @throws IOException when the topic cannot be read within the operation timeout
     */
    public static <V> KeyedTable<V> open(PulsarClient client, String topic, Codec<V> codec, Settings settings)
            throws IOException {
        CompletableFuture<TableView<byte[]>> opening =
                client.newTableView(Schema.BYTES).topic(topic).createAsync();
        TableView<byte[]> view;
        try {
            view = await(opening, settings.operationTimeout(), "reading table " + topic);
        } catch (IOException e) {
            opening.thenAccept(TableView::closeAsync); // should it still open
            throw e;
        }
        String name = topic.substring(topic.lastIndexOf('/') + 1);
        KeyedTable<V> table = new KeyedTable<>(client, topic, codec, settings, view, name);
        LOG.info("table {}: {} keys read", topic, view.size());
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
        byte[] bytes = view.get(key);
        return bytes == null ? Optional.empty() : Optional.of(codec.decode(key, bytes));
    }

    /**
     * Every entry as last read, by key; entries that do not decode are passed to {@code unreadable} with the error
     * and left out.
     */
    public Map<String, V> entries(java.util.function.BiConsumer<String, RuntimeException> unreadable) {
        Map<String, V> out = new TreeMap<>();
        for (Map.Entry<String, byte[]> e : view.entrySet()) {
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
        view.listen((key, value) -> {
            if (thread.isShutdown()) {
                return; // closed: nobody to tell
            }
            thread.execute(() -> {
                try {
                    listener.accept(key);
                } catch (RuntimeException e) {
                    LOG.error("table {}: listener failed on key {}", topic, key, e);
                }
            });
        });
    }

    /**
     * Changes one key under the cross-process lock: {@code change} is called exactly once with the newest value and
     * returns the one to store (empty: delete; its argument: write nothing) or throws to refuse.
     *
     * @throws IOException when the lock is not taken within the lock timeout, the table cannot be refreshed, or the
     *     write is not acknowledged within the operation timeout; nothing was applied here
     */
    public Update<V> update(String key, UnaryOperator<Optional<V>> change) throws IOException {
        long lockWait = settings.lockTimeout().toMillis();
        try {
            if (!local.tryLock(lockWait, TimeUnit.MILLISECONDS)) {
                throw new IOException(
                        "table " + topic + ": another change in this process held the lock for " + lockWait + " ms");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted waiting for the lock of table " + topic, e);
        }
        try {
            Producer<byte[]> lock = takeLock();
            try {
                await(view.refreshAsync(), settings.operationTimeout(), "reading table " + topic + " to its end");
                Optional<V> before = get(key);
                Optional<V> after = change.apply(before);
                if (!after.equals(before)) {
                    byte[] value = after.map(codec::encode).orElse(new byte[0]);
                    await(
                            lock.newMessage().key(key).value(value).sendAsync(),
                            settings.operationTimeout(),
                            "writing key " + key + " to table " + topic);
                    readOwnWrite(key);
                }
                return new Update<>(before, after);
            } finally {
                release(lock);
            }
        } finally {
            local.unlock();
        }
    }

    /**
     * Reads the topic to its end again, so that {@link #get} and the listeners already have the write when {@link
     * #update} returns: a caller that publishes the new value can never be sent back to the old one by a listener.
     * The write is durable either way; a failure here is only logged.
     */
    private void readOwnWrite(String key) {
        try {
            await(view.refreshAsync(), settings.operationTimeout(), "reading table " + topic + " after the write");
        } catch (IOException e) {
            LOG.warn("table {}: key {} written, but not read back yet: {}", topic, key, e.getMessage());
        }
    }

    private Producer<byte[]> takeLock() throws IOException {
        CompletableFuture<Producer<byte[]>> taking = client.newProducer(Schema.BYTES)
                .topic(topic)
                .accessMode(ProducerAccessMode.WaitForExclusive)
                .enableBatching(false)
                .sendTimeout((int) settings.operationTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .createAsync();
        try {
            return await(
                    taking,
                    settings.lockTimeout(),
                    "taking the lock of table " + topic + " (another process"
                            + " holds it, or the broker does not answer)");
        } catch (IOException e) {
            taking.thenAccept(this::release); // granted after we gave up: let the next waiter have it
            throw e;
        }
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
     * What is wrong with the table now, empty when nothing is: the last periodic check could not read the topic to
     * its end within the operation timeout (the table may be stale: other processes' changes are not seen).
     */
    public List<String> problems() {
        String p = lastCheckProblem;
        List<String> out = new ArrayList<>();
        if (p != null) {
            out.add(p);
        }
        return out;
    }

    private void check() {
        view.refreshAsync()
                .orTimeout(settings.operationTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((x, e) -> {
                    String before = lastCheckProblem;
                    if (e == null) {
                        if (before != null) {
                            LOG.info("table {}: reading the topic again", topic);
                        }
                        lastCheckProblem = null;
                    } else {
                        lastCheckProblem = "table " + topic + " not read to its end within "
                                + settings.operationTimeout().toMillis() + " ms: " + describe(e);
                        if (before == null) {
                            LOG.error("{}; changes made by other processes are not seen until it is", lastCheckProblem);
                        }
                    }
                });
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
        try {
            view.closeAsync().get(settings.operationTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("table {}: closing the reader: {}", topic, e.toString());
        }
    }
}
