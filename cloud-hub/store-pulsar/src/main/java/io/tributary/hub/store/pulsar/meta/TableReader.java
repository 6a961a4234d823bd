package io.tributary.hub.store.pulsar.meta;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.pulsar.client.api.Message;
import org.apache.pulsar.client.api.MessageId;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.PulsarClientException;
import org.apache.pulsar.client.api.Reader;
import org.apache.pulsar.client.api.Schema;
import org.apache.pulsar.client.api.TopicMessageId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The latest value of every key of one compacted topic, in memory, and how far it has read: a {@code readCompacted}
 * reader from the earliest message, applied on a thread of its own (a message with an empty value removes its key).
 * Not Pulsar's {@code TableView}: in the client we use (4.2.4) its {@code refreshAsync} can complete before the last
 * message is applied to its map (fixed upstream by apache/pulsar#26566, not in a release served here), and {@link
 * KeyedTable} must decide on a table that holds every message up to the topic's last one.
 *
 * <p>Threads: the reader thread applies messages and tells the listener (which must only hand off); {@link #get},
 * {@link #entries} and {@link #readTo} from any thread.
 */
final class TableReader implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TableReader.class);

    private final String topic;
    private final Reader<byte[]> reader;
    private final Map<String, byte[]> values = new ConcurrentHashMap<>();
    private final Consumer<String> listener;
    private final Thread thread;
    private final Object progress = new Object();
    /** The newest message applied; guarded by {@link #progress}. */
    private MessageId applied = MessageId.earliest;

    private volatile String failure;
    private volatile boolean closed;

    private TableReader(String topic, Reader<byte[]> reader, Consumer<String> listener, String name) {
        this.topic = topic;
        this.reader = reader;
        this.listener = listener;
        this.thread = new Thread(this::run, "table-reader-" + name);
        this.thread.setDaemon(true);
    }

    /** Starts reading {@code topic}; {@code listener} gets the key of every message applied, on the reader thread. */
    static TableReader start(PulsarClient client, String topic, Duration bound, Consumer<String> listener, String name)
            throws IOException {
        Reader<byte[]> reader;
        try {
            reader = client.newReader(Schema.BYTES)
                    .topic(topic)
                    .startMessageId(MessageId.earliest)
                    .readCompacted(true)
                    .createAsync()
                    .get(bound.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted opening a reader of " + topic, e);
        } catch (Exception e) {
            throw new IOException("cannot open a reader of " + topic + " within " + bound.toMillis() + " ms: " + e, e);
        }
        TableReader r = new TableReader(topic, reader, listener, name);
        r.thread.start();
        return r;
    }

    byte[] get(String key) {
        return values.get(key);
    }

    Map<String, byte[]> entries() {
        return Map.copyOf(values);
    }

    /** Sets a value this process wrote and saw acknowledged, before the reader reaches it (it then applies the same). */
    void wrote(String key, byte[] value) {
        if (value.length == 0) {
            values.remove(key);
        } else {
            values.put(key, value);
        }
    }

    /** Why the reader stopped, or null while it reads. */
    String failure() {
        return failure;
    }

    /**
     * Waits until every message up to the topic's last one (asked of the broker now) is applied.
     *
     * @throws IOException when that does not happen within {@code bound}, or the reader failed
     */
    void readTo(Duration bound) throws IOException {
        long deadline = System.nanoTime() + bound.toNanos();
        MessageId last;
        try {
            List<TopicMessageId> ids = reader.getLastMessageIdsAsync().get(bound.toMillis(), TimeUnit.MILLISECONDS);
            last = ids.isEmpty() ? MessageId.earliest : ids.get(0); // one: the topic is not partitioned
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted asking " + topic + " for its last message", e);
        } catch (Exception e) {
            throw new IOException("cannot ask " + topic + " for its last message: " + e, e);
        }
        synchronized (progress) {
            while (applied.compareTo(last) < 0) {
                if (failure != null) {
                    throw new IOException("table " + topic + " stopped reading: " + failure);
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IOException("table " + topic + " not read to its last message " + last + " within "
                            + bound.toMillis() + " ms (read to " + applied + ")");
                }
                try {
                    progress.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted reading " + topic, e);
                }
            }
        }
    }

    private void run() {
        while (!closed) {
            Message<byte[]> m;
            try {
                m = reader.readNext(1, TimeUnit.SECONDS);
            } catch (PulsarClientException e) {
                if (closed) {
                    return;
                }
                if (e instanceof PulsarClientException.AlreadyClosedException) {
                    failure = "its reader was closed: " + e.getMessage();
                    LOG.error("table {}: {}; the table no longer follows the topic", topic, failure);
                    synchronized (progress) {
                        progress.notifyAll();
                    }
                    return;
                }
                LOG.warn("table {}: read failed, retrying: {}", topic, e.toString());
                continue; // the client reconnects by itself
            }
            if (m == null) {
                continue;
            }
            String key = m.getKey();
            if (key != null) {
                wrote(key, m.getValue() == null ? new byte[0] : m.getValue());
            }
            synchronized (progress) {
                applied = m.getMessageId();
                progress.notifyAll();
            }
            if (key != null) {
                listener.accept(key);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        reader.closeAsync();
    }
}
