package io.tributary.hub.store.pulsar.meta;

import io.tributary.hub.stream.StreamCatalog;
import io.tributary.hub.stream.StreamCodec;
import io.tributary.hub.stream.StreamDefinition;
import io.tributary.hub.stream.StreamException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.apache.pulsar.client.api.PulsarClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stream catalog of hubs with {@code store=pulsar}, shared by every hub on the same Pulsar namespace: a {@link
 * KeyedTable} on the compacted topic {@code persistent://<tenant>/<namespace>/__tributary-catalog} (no dot in the
 * name, so no shard topic, {@code <stream>.<shard>}, can be it).
 *
 * <p><b>On the topic.</b> Key: the stream name. Value: the stream's current version in {@link StreamCodec}'s bytes
 * (magic {@code TRST}, version 1, length, CRC32C, protobuf {@code StoredStream}: the same bytes as a local stream
 * file). Empty value: the stream was deleted (a tombstone, which compaction removes with the key's older messages).
 *
 * <p>A hub reads the whole table when it starts ({@link #open} fails, so the hub does not start, when it cannot, or
 * when an entry does not decode); changes go through the table's cross-hub lock ({@link KeyedTable#update}); changes
 * other hubs make reach {@link #follow}'s follower on the table's thread. Owns its Pulsar client. Thread-safe.
 */
public final class PulsarStreamCatalog implements StreamCatalog {
    private static final Logger LOG = LoggerFactory.getLogger(PulsarStreamCatalog.class);

    /** The catalog topic's local name within the namespace. */
    public static final String TOPIC = "__tributary-catalog";

    private final PulsarClient client;
    private final KeyedTable<StreamDefinition> table;

    private PulsarStreamCatalog(PulsarClient client, KeyedTable<StreamDefinition> table) {
        this.client = client;
        this.table = table;
    }

    /**
     * Reads the catalog of {@code topic} (which must exist) through {@code client}, which the catalog then owns, and
     * checks that every entry decodes.
     *
     * @throws IOException when the topic cannot be read within the operation timeout, or holds entries that do not
     *     decode (naming each); the caller names the topic
     */
    public static PulsarStreamCatalog open(PulsarClient client, String topic, KeyedTable.Settings settings)
            throws IOException {
        KeyedTable<StreamDefinition> table = KeyedTable.open(client, topic, codec(topic), settings);
        List<String> bad = new ArrayList<>();
        table.entries((key, e) -> bad.add(e.getMessage()));
        if (!bad.isEmpty()) {
            table.close();
            throw new IOException("holds " + bad.size() + " unreadable entr" + (bad.size() == 1 ? "y" : "ies") + ": "
                    + String.join("; ", bad));
        }
        return new PulsarStreamCatalog(client, table);
    }

    /** The stream bytes of {@link StreamCodec}, checked against the key they are stored under. */
    static KeyedTable.Codec<StreamDefinition> codec(String topic) {
        return new KeyedTable.Codec<>() {
            @Override
            public byte[] encode(StreamDefinition value) {
                return StreamCodec.encode(value);
            }

            @Override
            public StreamDefinition decode(String key, byte[] bytes) {
                String source = "catalog entry '" + key + "' of " + topic;
                StreamDefinition stream = StreamCodec.decode(bytes, source);
                if (!stream.name().equals(key)) {
                    throw new StreamException(
                            StreamException.Reason.CORRUPT, source + ": holds stream '" + stream.name() + "'");
                }
                return stream;
            }
        };
    }

    @Override
    public Map<String, StreamDefinition> streams() {
        List<String> bad = new ArrayList<>();
        Map<String, StreamDefinition> all = table.entries((key, e) -> bad.add(e.getMessage()));
        if (!bad.isEmpty()) {
            throw new StreamException(StreamException.Reason.CORRUPT, String.join("; ", bad));
        }
        return all;
    }

    @Override
    public Optional<StreamDefinition> current(String stream) {
        return table.get(stream);
    }

    @Override
    public Change update(String stream, UnaryOperator<Optional<StreamDefinition>> change) {
        try {
            KeyedTable.Update<StreamDefinition> u = table.update(stream, change);
            return new Change(u.before(), u.after());
        } catch (IOException e) {
            LOG.error("catalog change of stream {} not made: {}", stream, e.getMessage());
            throw new StreamException(
                    StreamException.Reason.STORAGE,
                    "catalog change of stream " + stream + " not made: " + e.getMessage(),
                    e);
        }
    }

    @Override
    public void follow(Consumer<String> follower) {
        table.listen(follower);
    }

    @Override
    public List<String> problems() {
        return table.problems();
    }

    @Override
    public String describe() {
        return "Pulsar topic " + table.topic();
    }

    @Override
    public void close() {
        table.close();
        client.closeAsync().whenComplete((x, e) -> {
            if (e != null) {
                LOG.warn("closing the catalog's Pulsar client: {}", e.toString());
            }
        });
    }
}
