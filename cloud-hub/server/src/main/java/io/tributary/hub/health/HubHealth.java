package io.tributary.hub.health;

import com.fasterxml.jackson.core.JsonGenerator;
import io.tributary.hub.store.ShardInfo;
import io.tributary.hub.store.ShardKey;
import io.tributary.hub.store.ShardStore;
import io.tributary.hub.stream.StreamRegistry;
import io.tributary.protocol.json.Json;
import io.tributary.protocol.metrics.MetricsHttpServer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The hub's {@code /health}: healthy while every shard is online or written by another hub (a store several hubs
 * share: this hub redirects its producers there, which is no failure), replicas keep up and the stream catalog has no
 * problem, nor the consumer groups' state; the document names the hub, counts streams and online shards, lists each offline shard with its cause,
 * each shard another hub writes with that hub, and each replication and catalog problem. Thread-safe (reads the
 * registry and the store).
 */
public final class HubHealth implements Supplier<MetricsHttpServer.Health> {
    private final String hubId;
    private final StreamRegistry streams;
    private final ShardStore store;
    private final Supplier<List<String>> replication;
    private final Supplier<List<String>> grants;
    private final Supplier<List<String>> groups;

    public HubHealth(String hubId, StreamRegistry streams, ShardStore store) {
        this(hubId, streams, store, List::of);
    }

    /** @param replication replication problems (a replica too far behind, a link down while behind); empty: none */
    public HubHealth(String hubId, StreamRegistry streams, ShardStore store, Supplier<List<String>> replication) {
        this(hubId, streams, store, replication, List::of);
    }

    /**
     * @param grants problems of the epoch grant table (a shared one that no longer follows the other hubs'); listed
     *     with the catalog's, degraded too
     */
    public HubHealth(
            String hubId,
            StreamRegistry streams,
            ShardStore store,
            Supplier<List<String>> replication,
            Supplier<List<String>> grants) {
        this(hubId, streams, store, replication, grants, List::of);
    }

    /**
     * @param groups problems of the consumer groups' state (a shared one: a group whose state cannot be read or
     *     written, a coordinator that lost its group); listed under {@code groups}, degraded too
     */
    public HubHealth(
            String hubId,
            StreamRegistry streams,
            ShardStore store,
            Supplier<List<String>> replication,
            Supplier<List<String>> grants,
            Supplier<List<String>> groups) {
        this.hubId = hubId;
        this.streams = streams;
        this.store = store;
        this.replication = replication;
        this.grants = grants;
        this.groups = groups;
    }

    @Override
    public MetricsHttpServer.Health get() {
        int online = 0;
        Map<ShardKey, String> offline = new LinkedHashMap<>();
        Map<ShardKey, String> elsewhere = new LinkedHashMap<>();
        for (ShardKey key : store.shards()) {
            ShardInfo info = store.info(key);
            switch (info.status()) {
                case ONLINE -> online++;
                case WRITTEN_ELSEWHERE, REPLICA -> elsewhere.put(key, info.cause()); // written by another hub
                default -> offline.put(key, info.cause());
            }
        }
        List<String> lagging = replication.get();
        List<String> catalog = new ArrayList<>(streams.catalog().problems());
        catalog.addAll(grants.get()); // shared metadata, like the catalog
        List<String> groupProblems = groups.get();
        return new MetricsHttpServer.Health(
                offline.isEmpty() && lagging.isEmpty() && catalog.isEmpty() && groupProblems.isEmpty(),
                json(hubId, streams.list().size(), online, offline, lagging, elsewhere, catalog, groupProblems));
    }

    /** The health document; {@code offline} maps each offline shard to its cause. */
    static String json(String hubId, int streams, int online, Map<ShardKey, String> offline) {
        return json(hubId, streams, online, offline, List.of());
    }

    /** ... and {@code lagging} lists replication problems (degraded too). */
    static String json(String hubId, int streams, int online, Map<ShardKey, String> offline, List<String> lagging) {
        return json(hubId, streams, online, offline, lagging, Map.of(), List.of());
    }

    /** ... and {@code elsewhere} maps each shard another hub writes to what the store says of that hub. */
    static String json(
            String hubId,
            int streams,
            int online,
            Map<ShardKey, String> offline,
            List<String> lagging,
            Map<ShardKey, String> elsewhere) {
        return json(hubId, streams, online, offline, lagging, elsewhere, List.of());
    }

    /** ... and {@code catalog} lists the problems of the shared metadata (catalog, grants; degraded too). */
    static String json(
            String hubId,
            int streams,
            int online,
            Map<ShardKey, String> offline,
            List<String> lagging,
            Map<ShardKey, String> elsewhere,
            List<String> catalog) {
        return json(hubId, streams, online, offline, lagging, elsewhere, catalog, List.of());
    }

    /** ... and {@code groups} lists the problems of the consumer groups' state (degraded too). */
    static String json(
            String hubId,
            int streams,
            int online,
            Map<ShardKey, String> offline,
            List<String> lagging,
            Map<ShardKey, String> elsewhere,
            List<String> catalog,
            List<String> groups) {
        boolean ok = offline.isEmpty() && lagging.isEmpty() && catalog.isEmpty() && groups.isEmpty();
        return Json.write(g -> {
                    g.writeStartObject();
                    g.writeStringField("status", ok ? "ok" : "degraded");
                    g.writeStringField("hub", hubId);
                    g.writeNumberField("streams", streams);
                    g.writeNumberField("shards_online", online);
                    shards(g, "shards_offline", offline, "cause");
                    if (!elsewhere.isEmpty()) {
                        shards(g, "shards_written_elsewhere", elsewhere, "writer");
                    }
                    problems(g, "replication", lagging);
                    problems(g, "catalog", catalog);
                    problems(g, "groups", groups);
                    g.writeEndObject();
                })
                + "\n";
    }

    /** {@code "name":["…", …]}, left out when there is none. */
    private static void problems(JsonGenerator g, String name, List<String> problems) throws IOException {
        if (problems.isEmpty()) {
            return;
        }
        g.writeArrayFieldStart(name);
        for (String problem : problems) {
            g.writeString(problem);
        }
        g.writeEndArray();
    }

    /** {@code "name":[{"stream":…,"shard":…,"<what>":…}, …]}. */
    private static void shards(JsonGenerator g, String name, Map<ShardKey, String> shards, String what)
            throws IOException {
        g.writeArrayFieldStart(name);
        for (Map.Entry<ShardKey, String> e : shards.entrySet()) {
            g.writeStartObject();
            g.writeStringField("stream", e.getKey().stream());
            g.writeStringField("shard", e.getKey().shardId());
            g.writeStringField(what, e.getValue());
            g.writeEndObject();
        }
        g.writeEndArray();
    }
}
