package io.tributary.hub.console;

import com.fasterxml.jackson.core.JsonGenerator;
import io.tributary.protocol.v1.AckLevel;
import io.tributary.protocol.v1.RegionEndpoint;
import io.tributary.protocol.v1.ReplicaLag;
import io.tributary.protocol.v1.ShardDescription;
import io.tributary.protocol.v1.ShardFork;
import io.tributary.protocol.v1.StreamDescription;
import java.io.IOException;
import java.util.Locale;

/**
 * Writes the console API's stream shapes from the admin protocol's live {@link StreamDescription} (the same data as
 * {@code admin streams describe}). Hash values are 64-bit unsigned, which JavaScript numbers cannot hold, so they
 * are written as 16-digit hex strings ({@code "0x4000000000000000"}). Stateless.
 */
final class StreamJson {
    private StreamJson() {}

    /**
     * One line of the stream list: <pre>{"name", "shards", "open_shards", "offline_shards", "records" (retained),
     * "next_sequence_total" (sum over shards: grows by one per record appended), "retained_bytes", "home_region" (""
     * single-region), "generation", "ack" ("local"|"replicated"|""), "replica_regions": [..]}</pre>
     */
    static void summary(JsonGenerator g, StreamDescription d) throws IOException {
        long records = 0;
        long next = 0;
        long bytes = 0;
        int open = 0;
        int offline = 0;
        for (ShardDescription s : d.getShardsList()) {
            records += s.getNextSequence() - s.getOldestSequence();
            next += s.getNextSequence();
            bytes += s.getRetainedBytes();
            open += s.getOpen() ? 1 : 0;
            offline += s.getStatus().equals("online") ? 0 : 1;
        }
        g.writeStartObject();
        g.writeStringField("name", d.getStream());
        g.writeNumberField("shards", d.getShardsCount());
        g.writeNumberField("open_shards", open);
        g.writeNumberField("offline_shards", offline);
        g.writeNumberField("records", records);
        g.writeNumberField("next_sequence_total", next);
        g.writeNumberField("retained_bytes", bytes);
        region(g, d);
        g.writeArrayFieldStart("replica_regions");
        for (RegionEndpoint r : d.getRegionsList()) {
            if (!r.getRegion().equals(d.getHomeRegion())) {
                g.writeString(r.getRegion());
            }
        }
        g.writeEndArray();
        g.writeEndObject();
    }

    /**
     * The whole stream: <pre>{"name", "key_mode" ("group"|"group_and_device"), "retention_ms", "retention_bytes",
     * "created_ms", "home_region", "generation", "ack", "regions": [{"region", "endpoint"}], "forks": [{"generation",
     * "shard", "sequence"}], "shards": [shard]}</pre> with each shard as in {@link #shard}.
     */
    static void detail(JsonGenerator g, StreamDescription d) throws IOException {
        g.writeStringField("name", d.getStream());
        g.writeStringField("key_mode", enumName(d.getKeyMode().name(), "PARTITION_KEY_MODE_"));
        g.writeNumberField("retention_ms", d.getRetentionMs());
        g.writeNumberField("retention_bytes", d.getRetentionBytes());
        g.writeNumberField("created_ms", d.getCreatedMs());
        region(g, d);
        regions(g, d);
        g.writeArrayFieldStart("forks");
        for (ShardFork f : d.getForksList()) {
            g.writeStartObject();
            g.writeNumberField("generation", f.getGeneration());
            g.writeStringField("shard", f.getShardId());
            g.writeNumberField("sequence", f.getSequence());
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeArrayFieldStart("shards");
        for (ShardDescription s : d.getShardsList()) {
            shard(g, s);
        }
        g.writeEndArray();
    }

    /**
     * One shard: <pre>{"id", "start_hash", "end_hash" (inclusive, hex), "parents": [ids it was split or merged
     * from], "open" (false once split or merged away), "created_ms", "closed_ms" (0 while open), "oldest_sequence",
     * "next_sequence", "retained_bytes", "status" ("online"|"offline: cause"), "replicas": [replica lag]}</pre>
     */
    static void shard(JsonGenerator g, ShardDescription s) throws IOException {
        g.writeStartObject();
        g.writeStringField("id", s.getShardId());
        g.writeStringField("start_hash", hex(s.getStartHash()));
        g.writeStringField("end_hash", hex(s.getEndHash()));
        g.writeArrayFieldStart("parents");
        for (String p : s.getParentShardsList()) {
            g.writeString(p);
        }
        g.writeEndArray();
        g.writeBooleanField("open", s.getOpen());
        g.writeNumberField("created_ms", s.getCreatedMs());
        g.writeNumberField("closed_ms", s.getClosedMs());
        g.writeNumberField("oldest_sequence", s.getOldestSequence());
        g.writeNumberField("next_sequence", s.getNextSequence());
        g.writeNumberField("retained_bytes", s.getRetainedBytes());
        g.writeStringField("status", s.getStatus());
        replicas(g, s);
        g.writeEndObject();
    }

    /**
     * The field {@code "replicas"}: per replica region (on the home), or for this hub (on a replica), <pre>{"region",
     * "next_sequence", "lag_records", "lag_ms", "bytes_per_second", "state" ("following"|"connecting: cause"|
     * "refused: cause")}</pre>
     */
    static void replicas(JsonGenerator g, ShardDescription s) throws IOException {
        g.writeArrayFieldStart("replicas");
        for (ReplicaLag l : s.getReplicaLagList()) {
            g.writeStartObject();
            g.writeStringField("region", l.getRegion());
            g.writeNumberField("next_sequence", l.getNextSequence());
            g.writeNumberField("lag_records", l.getLagRecords());
            g.writeNumberField("lag_ms", l.getLagMs());
            g.writeNumberField("bytes_per_second", l.getBytesPerSecond());
            g.writeStringField("state", l.getState());
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    /** The fields {@code home_region}, {@code generation} and {@code ack}. */
    static void region(JsonGenerator g, StreamDescription d) throws IOException {
        g.writeStringField("home_region", d.getHomeRegion());
        g.writeNumberField("generation", d.getGeneration());
        g.writeStringField(
                "ack",
                d.getAckLevel() == AckLevel.ACK_LEVEL_UNSPECIFIED
                        ? ""
                        : enumName(d.getAckLevel().name(), "ACK_LEVEL_"));
    }

    /** The field {@code regions}: every region holding the stream and its hub's endpoint. */
    static void regions(JsonGenerator g, StreamDescription d) throws IOException {
        g.writeArrayFieldStart("regions");
        for (RegionEndpoint r : d.getRegionsList()) {
            g.writeStartObject();
            g.writeStringField("region", r.getRegion());
            g.writeStringField("endpoint", r.getEndpoint());
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    static String hex(long unsigned) {
        return String.format(Locale.ROOT, "0x%016x", unsigned);
    }

    private static String enumName(String name, String prefix) {
        return name.startsWith(prefix) ? name.substring(prefix.length()).toLowerCase(Locale.ROOT) : name;
    }
}
