package io.tributary.hub.store.pulsar.meta;

import io.tributary.hub.epoch.GrantTable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;
import org.apache.pulsar.client.api.PulsarClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The producer epoch grants of hubs with {@code store=pulsar}, shared by every hub on the same Pulsar namespace: a
 * {@link KeyedTable} on the compacted topic {@code persistent://<tenant>/<namespace>/__tributary-epoch-grants}. An
 * agent that moves to another hub, or a hub restarted on an empty data dir, still gets a grant above every grant any
 * hub gave; and a grant superseded at one hub is no longer current at the others once they read the change.
 *
 * <p><b>On the topic.</b> Key: the agent or producer id. Value: its current grant, 8 bytes big-endian (grants only
 * grow; nothing is ever deleted).
 *
 * <p>A {@link #claim} takes the table's cross-hub lock, decides on the newest table by {@link GrantTable#decide} (the
 * newest grant of all is the largest value in the table), writes the grant it records and waits for Pulsar's durable
 * acknowledgement before answering: a Welcome never names a grant Pulsar could forget. {@link #isCurrent} and {@link
 * #current} read memory. Owns its Pulsar client. Thread-safe.
 */
public final class PulsarGrantTable implements GrantTable {
    private static final Logger LOG = LoggerFactory.getLogger(PulsarGrantTable.class);

    /** The grant topic's local name within the namespace. */
    public static final String TOPIC = "__tributary-epoch-grants";

    private final PulsarClient client;
    private final KeyedTable<Long> table;
    private final Clock clock;
    private volatile BiConsumer<String, Long> listener = (id, grant) -> {};

    private PulsarGrantTable(PulsarClient client, KeyedTable<Long> table, Clock clock) {
        this.client = client;
        this.table = table;
        this.clock = clock;
    }

    /**
     * Reads the grants of {@code topic} (which must exist) through {@code client}, which the table then owns.
     *
     * @throws IOException when the topic cannot be read within the operation timeout, or holds entries that are not
     *     grants (naming each)
     */
    public static PulsarGrantTable open(PulsarClient client, String topic, KeyedTable.Settings settings, Clock clock)
            throws IOException {
        KeyedTable<Long> table = KeyedTable.open(client, topic, codec(topic), settings);
        List<String> bad = new ArrayList<>();
        Map<String, Long> all = table.entries((key, e) -> bad.add(e.getMessage()));
        if (!bad.isEmpty()) {
            table.close();
            throw new IOException("epoch grants " + topic + " hold " + bad.size() + " unreadable entr"
                    + (bad.size() == 1 ? "y" : "ies") + ": " + String.join("; ", bad));
        }
        LOG.info("Epoch grants in {}: {} ids, newest grant {}", topic, all.size(), newest(all));
        return new PulsarGrantTable(client, table, clock);
    }

    /** A grant as 8 bytes, checked to be a grant. */
    static KeyedTable.Codec<Long> codec(String topic) {
        return new KeyedTable.Codec<>() {
            @Override
            public byte[] encode(Long grant) {
                return ByteBuffer.allocate(Long.BYTES).putLong(grant).array();
            }

            @Override
            public Long decode(String key, byte[] bytes) {
                if (bytes.length != Long.BYTES) {
                    throw new IllegalStateException(
                            "grant of '" + key + "' in " + topic + " is " + bytes.length + " bytes, not 8");
                }
                long grant = ByteBuffer.wrap(bytes).getLong();
                if (grant <= 0 || grant % GRANT_UNIT != 0) {
                    throw new IllegalStateException("grant of '" + key + "' in " + topic + " is not a grant: " + grant);
                }
                return grant;
            }
        };
    }

    @Override
    public Claim claim(String id, long presented) throws IOException {
        if (presented != 0 && presented == current(id)) {
            // The common reconnect: the holder of the current grant keeps it, nothing to record, no cross-hub lock
            // (a grant superseded elsewhere but not read here yet is accepted, as isCurrent would accept it).
            return new Claim.Granted(presented, 0);
        }
        Decision[] decided = new Decision[1];
        try {
            table.update(id, current -> {
                // Under the cross-hub lock, on the table read to its end: the newest grant of all is current.
                List<String> bad = new ArrayList<>();
                Map<String, Long> all = table.entries((key, e) -> bad.add(e.getMessage()));
                if (!bad.isEmpty()) {
                    throw new IllegalStateException("epoch grants " + table.topic() + " hold unreadable entries, so the"
                            + " newest grant is unknown: " + String.join("; ", bad));
                }
                decided[0] = GrantTable.decide(current.orElse(0L), newest(all), presented, clock);
                return decided[0].record() != 0 ? Optional.of(decided[0].record()) : current;
            });
        } catch (IllegalStateException e) {
            throw new IOException(e.getMessage(), e);
        }
        Decision d = decided[0];
        if (d.record() != 0) {
            if (d.record() == presented) {
                LOG.info("Adopting epoch grant {} of {}, newer than the shared table's", presented, id);
            }
            listener.accept(id, d.record());
        }
        return d.claim();
    }

    @Override
    public boolean isCurrent(String id, long grant) {
        return current(id) == grant && grant != 0;
    }

    @Override
    public long current(String id) {
        return table.get(id).orElse(0L);
    }

    @Override
    public Map<String, Long> snapshot() {
        return Map.copyOf(
                table.entries((key, e) -> LOG.error("unreadable epoch grant of {}: {}", key, e.getMessage())));
    }

    @Override
    public void onRecorded(BiConsumer<String, Long> listener) {
        this.listener = listener;
    }

    @Override
    public int size() {
        return snapshot().size();
    }

    @Override
    public List<String> problems() {
        return table.problems();
    }

    @Override
    public void close() {
        table.close();
        client.closeAsync().whenComplete((x, e) -> {
            if (e != null) {
                LOG.warn("closing the epoch grants' Pulsar client: {}", e.toString());
            }
        });
    }

    private static long newest(Map<String, Long> grants) {
        return grants.values().stream().mapToLong(Long::longValue).max().orElse(0L);
    }
}
