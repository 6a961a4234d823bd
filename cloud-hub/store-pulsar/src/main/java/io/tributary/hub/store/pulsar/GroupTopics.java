package io.tributary.hub.store.pulsar;

import io.tributary.hub.group.CheckpointStore;
import io.tributary.hub.group.GroupKey;
import io.tributary.hub.group.GroupShard;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pulsar.client.api.Message;
import org.apache.pulsar.client.api.MessageId;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.PulsarClientException;
import org.apache.pulsar.client.api.Reader;
import org.apache.pulsar.client.api.Schema;

/**
 * The {@link PulsarGroupStore}'s group topics: their full names, the groups of a stream (its group topics), the row codec ({@link #encode}: version byte 1,
 * checkpoint, token, flags; 18 bytes), and the reads of a topic's rows: up to a claim marker, or to its last message
 * (compacted view, then the tail); every Pulsar operation bounded by the operation timeout.
 *
 * <p>Threads: thread-safe (no state of its own); reads block, and run on the store's pool ({@code pulsar-groups-N}).
 */
final class GroupTopics {
    private static final byte VERSION = 1;
    private static final int ROW_BYTES = 1 + 8 + 8 + 1;

    private final PulsarClient client;
    private final PulsarAdminRest admin;
    private final PulsarGroupStore.Settings settings;

    GroupTopics(PulsarClient client, PulsarAdminRest admin, PulsarGroupStore.Settings settings) {
        this.client = client;
        this.admin = admin;
        this.settings = settings;
    }

    /** The group topic's full name. */
    String topic(GroupKey key) {
        return "persistent://" + settings.tenant() + "/" + settings.namespace() + "/" + PulsarGroupStore.localName(key);
    }

    /** The groups of {@code stream} with a topic in the namespace, sorted; throws when the topics cannot be listed. */
    List<String> groupsOf(String stream) throws IOException {
        String prefix = PulsarGroupStore.TOPIC_PREFIX + stream + "=";
        TreeSet<String> out = new TreeSet<>();
        for (String full : admin.listTopics(settings.tenant(), settings.namespace())) {
            String local = full.substring(full.lastIndexOf('/') + 1);
            if (local.startsWith(prefix) && local.length() > prefix.length()) {
                out.add(local.substring(prefix.length()));
            }
        }
        return List.copyOf(out);
    }

    record Loaded(Map<String, CheckpointStore.Row> rows, String previousClaim) {}

    /** Reads the group's topic (compacted view, then the tail) up to {@code marker}, this claim's marker. */
    Loaded readTo(GroupKey key, MessageId marker) throws IOException {
        Map<String, CheckpointStore.Row> rows = new TreeMap<>();
        String previous = null;
        long deadline = System.nanoTime() + settings.operationTimeout().toNanos();
        try (Reader<byte[]> reader = openReader(key)) {
            while (true) {
                long left = deadline - System.nanoTime();
                Message<byte[]> m =
                        left <= 0 ? null : reader.readNext((int) Math.max(1, left / 1_000_000), TimeUnit.MILLISECONDS);
                if (m == null) {
                    throw new IOException("group topic " + topic(key) + " not read to its claim marker " + marker
                            + " within " + settings.operationTimeout().toMillis() + " ms");
                }
                if (m.getMessageId().compareTo(marker) >= 0) {
                    return new Loaded(rows, previous);
                }
                String k = m.getKey();
                if (PulsarGroupStore.CLAIM_KEY.equals(k)) {
                    previous = new String(m.getValue(), StandardCharsets.UTF_8);
                } else if (k != null) {
                    apply(key, rows, k, m.getValue());
                }
            }
        } catch (PulsarClientException e) {
            throw new IOException("reading " + topic(key) + ": " + e.getMessage(), e);
        }
    }

    private Reader<byte[]> openReader(GroupKey key) throws IOException {
        return await(
                client.newReader(Schema.BYTES)
                        .topic(topic(key))
                        .startMessageId(MessageId.earliest)
                        .readCompacted(true)
                        .createAsync(),
                "opening a reader of " + topic(key));
    }

    private static void apply(GroupKey key, Map<String, CheckpointStore.Row> rows, String shardId, byte[] value) {
        if (value == null || value.length == 0) {
            rows.remove(shardId);
        } else {
            rows.put(shardId, decode(key.shard(shardId), value));
        }
    }

    /** The group's rows by shard id as stored now, read to the topic's last message; none when there is no topic. */
    Map<String, CheckpointStore.Row> read(GroupKey key) {
        Map<String, CheckpointStore.Row> rows = new TreeMap<>();
        Reader<byte[]> reader;
        try {
            reader = openReader(key);
        } catch (IOException e) {
            if (missing(e)) {
                return rows; // no member ever joined the group: no state
            }
            throw new CompletionException(e);
        }
        long deadline = System.nanoTime() + settings.operationTimeout().toNanos();
        try (reader) {
            while (reader.hasMessageAvailable()) {
                long left = deadline - System.nanoTime();
                Message<byte[]> m =
                        left <= 0 ? null : reader.readNext((int) Math.max(1, left / 1_000_000), TimeUnit.MILLISECONDS);
                if (m == null) {
                    throw new IOException("group topic " + topic(key) + " not read to its end within "
                            + settings.operationTimeout().toMillis() + " ms");
                }
                if (m.getKey() != null && !PulsarGroupStore.CLAIM_KEY.equals(m.getKey())) {
                    apply(key, rows, m.getKey(), m.getValue());
                }
            }
        } catch (IOException e) {
            throw new CompletionException(e);
        }
        return rows;
    }

    /** Whether {@code e}, of opening a reader or producer, says the group's topic does not exist. */
    static boolean missing(IOException e) {
        return e.getCause() instanceof PulsarClientException.TopicDoesNotExistException
                || e.getCause() instanceof PulsarClientException.NotFoundException;
    }

    /** The 18 bytes of a row: version 1, checkpoint, token, flags (bit 0: the shard is finished). */
    static byte[] encode(CheckpointStore.Row r) {
        return ByteBuffer.allocate(ROW_BYTES)
                .put(VERSION)
                .putLong(r.checkpoint())
                .putLong(r.token())
                .put((byte) (r.ended() ? 1 : 0))
                .array();
    }

    /** The row {@link #encode} wrote for {@code shard}; throws saying what is wrong. */
    static CheckpointStore.Row decode(GroupShard shard, byte[] value) {
        if (value.length != ROW_BYTES || value[0] != VERSION) {
            throw new IllegalStateException("row of " + shard + " is not a group row (" + value.length + " bytes,"
                    + " version " + (value.length == 0 ? "none" : value[0]) + ")");
        }
        ByteBuffer b = ByteBuffer.wrap(value, 1, ROW_BYTES - 1);
        long checkpoint = b.getLong();
        long token = b.getLong();
        boolean ended = (b.get() & 1) != 0;
        return new CheckpointStore.Row(shard, checkpoint, token, ended);
    }

    <T> T await(CompletableFuture<T> future, String what) throws IOException {
        long bound = settings.operationTimeout().toMillis();
        try {
            return future.get(bound, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted " + what, e);
        } catch (TimeoutException e) {
            future.thenAccept(x -> {
                if (x instanceof Producer<?> p) {
                    p.closeAsync(); // granted after we gave up: let the topic go
                } else if (x instanceof Reader<?> r) {
                    r.closeAsync(); // opened after we gave up: nobody reads it, its broker consumer must go
                }
            });
            throw new IOException(what + ": no answer within " + bound + " ms", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            throw new IOException(what + ": " + (c.getMessage() == null ? c.toString() : c.getMessage()), c);
        }
    }
}
