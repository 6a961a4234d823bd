package io.tributary.hub.health;

import io.tributary.hub.store.ShardInfo;
import io.tributary.hub.store.ShardKey;
import io.tributary.hub.store.ShardStatus;
import io.tributary.hub.store.ShardStore;
import io.tributary.hub.stream.StreamRegistry;
import io.tributary.protocol.json.Json;
import io.tributary.protocol.metrics.MetricsHttpServer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The hub's {@code /health}: healthy while every shard is online, replicas keep up and the stream catalog has no
 * problem; the document names the hub, counts streams and online shards and lists each offline shard with its cause
 * (and each replication and catalog problem). Thread-safe (reads the registry and the store).
 */
public final class HubHealth implements Supplier<MetricsHttpServer.Health> {
    private final String hubId;
    private final StreamRegistry streams;
    private final ShardStore store;
    private final Supplier<List<String>> replication;

    public HubHealth(String hubId, StreamRegistry streams, ShardStore store) {
        this(hubId, streams, store, List::of);
    }

    /** @param replication replication problems (a replica too far behind, a link down while behind); empty: none */
    public HubHealth(String hubId, StreamRegistry streams, ShardStore store, Supplier<List<String>> replication) {
        this.hubId = hubId;
        this.streams = streams;
        this.store = store;
        this.replication = replication;
    }

    @Override
    public MetricsHttpServer.Health get() {
        int online = 0;
        Map<ShardKey, String> offline = new LinkedHashMap<>();
        for (ShardKey key : store.shards()) {
            ShardInfo info = store.info(key);
            if (info.status() == ShardStatus.ONLINE) {
                online++;
            } else {
                offline.put(key, info.cause());
            }
        }
        List<String> lagging = replication.get();
        List<String> catalog = streams.catalog().problems();
        return new MetricsHttpServer.Health(
                offline.isEmpty() && lagging.isEmpty() && catalog.isEmpty(),
                json(hubId, streams.list().size(), online, offline, lagging, catalog));
    }

    /** The health document; {@code offline} maps each offline shard to its cause. */
    static String json(String hubId, int streams, int online, Map<ShardKey, String> offline) {
        return json(hubId, streams, online, offline, List.of());
    }

    /** ... and {@code lagging} lists replication problems (degraded too). */
    static String json(String hubId, int streams, int online, Map<ShardKey, String> offline, List<String> lagging) {
        return json(hubId, streams, online, offline, lagging, List.of());
    }

    /** ... and {@code catalog} lists the stream catalog's problems (degraded too). */
    static String json(
            String hubId,
            int streams,
            int online,
            Map<ShardKey, String> offline,
            List<String> lagging,
            List<String> catalog) {
        boolean ok = offline.isEmpty() && lagging.isEmpty() && catalog.isEmpty();
        return Json.write(g -> {
                    g.writeStartObject();
                    g.writeStringField("status", ok ? "ok" : "degraded");
                    g.writeStringField("hub", hubId);
                    g.writeNumberField("streams", streams);
                    g.writeNumberField("shards_online", online);
                    g.writeArrayFieldStart("shards_offline");
                    for (Map.Entry<ShardKey, String> e : offline.entrySet()) {
                        g.writeStartObject();
                        g.writeStringField("stream", e.getKey().stream());
                        g.writeStringField("shard", e.getKey().shardId());
                        g.writeStringField("cause", e.getValue());
                        g.writeEndObject();
                    }
                    g.writeEndArray();
                    if (!lagging.isEmpty()) {
                        g.writeArrayFieldStart("replication");
                        for (String problem : lagging) {
                            g.writeString(problem);
                        }
                        g.writeEndArray();
                    }
                    if (!catalog.isEmpty()) {
                        g.writeArrayFieldStart("catalog");
                        for (String problem : catalog) {
                            g.writeString(problem);
                        }
                        g.writeEndArray();
                    }
                    g.writeEndObject();
                })
                + "\n";
    }
}
