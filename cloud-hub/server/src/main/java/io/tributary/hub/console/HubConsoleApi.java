package io.tributary.hub.console;

import com.fasterxml.jackson.core.JsonGenerator;
import io.tributary.hub.admin.AdminService;
import io.tributary.hub.group.GroupStore;
import io.tributary.hub.server.HubContext;
import io.tributary.hub.server.Session;
import io.tributary.hub.stream.StreamDefinition;
import io.tributary.hub.stream.StreamException;
import io.tributary.protocol.console.ApiError;
import io.tributary.protocol.console.ApiRequest;
import io.tributary.protocol.console.ConsoleApi;
import io.tributary.protocol.console.Page;
import io.tributary.protocol.json.Json;
import io.tributary.protocol.metrics.MetricsHttpServer;
import io.tributary.protocol.v1.GroupDescription;
import io.tributary.protocol.v1.GroupShardLag;
import io.tributary.protocol.v1.PeerRole;
import io.tributary.protocol.v1.StreamDescription;
import java.io.IOException;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.BiFunction;
import java.util.function.Supplier;

/**
 * The hub console's JSON API, read-only. Lists are paged ({@code ?offset=&limit=}, see {@link Page}); names are
 * percent-encoded path segments. Every answer is an object with {@code "time_ms"} (hub clock) beside:
 *
 * <ul>
 *   <li>{@code GET /api/overview}: {@code {"hub", "region", "store", "auth" (whether credentials are required),
 *       "health": the /health document, "streams", "connections"}}
 *   <li>{@code GET /api/streams}: a page of stream summaries ({@link StreamJson#summary}), by name
 *   <li>{@code GET /api/streams/{name}}: the stream with its shards, hash ranges, lineage, live sequences and replica
 *       lag ({@link StreamJson#detail}); 404 for an unknown stream
 *   <li>{@code GET /api/groups[?stream=name]}: a page of consumer groups (those with durable state in the hub's group
 *       store: this hub's checkpoints, or on a store several hubs share every hub's), by stream and name: {@code {"stream", "group", "members" (distinct lease owners), "lag_records" (sum),
 *       "lag_ms" (largest), "shards": [{"shard", "owner" ("" when nobody holds the lease), "checkpoint" (-1: none),
 *       "lag_records", "lag_ms"}]}}, or {@code {"stream", "group", "error"}} when its state cannot be read
 *   <li>{@code GET /api/replication}: a page of the replicated streams: {@code {"stream", "home_region",
 *       "generation", "ack", "regions": [..], "shards": [{"id", "next_sequence", "replicas": [replica lag]}]}}
 *   <li>{@code GET /api/edges}: a page of the edge agents and producers connected now, by id: {@code {"id",
 *       "role" ("agent"|"producer"), "client", "remote", "grant" (hex epoch grant), "connected_ms"}}
 * </ul>
 *
 * <p>Thread rules: thread-safe; {@link #answer} blocks on group state (call it off the event loops, as the HTTP
 * server does).
 */
public final class HubConsoleApi implements ConsoleApi {
    private static final int DEFAULT_PAGE = 100;

    private final HubContext hub;
    private final AdminService admin;
    private final GroupStore checkpoints;
    private final BiFunction<String, String, GroupDescription> groups;
    private final Supplier<MetricsHttpServer.Health> health;

    /**
     * @param groups describes a consumer group (blocking), as {@code admin groups describe} does
     * @param health the hub's /health answer
     */
    public HubConsoleApi(
            HubContext hub,
            AdminService admin,
            GroupStore checkpoints,
            BiFunction<String, String, GroupDescription> groups,
            Supplier<MetricsHttpServer.Health> health) {
        this.hub = hub;
        this.admin = admin;
        this.checkpoints = checkpoints;
        this.groups = groups;
        this.health = health;
    }

    @Override
    public String answer(ApiRequest request) {
        List<String> path = request.segments();
        String head = path.isEmpty() ? "overview" : path.get(0);
        return switch (head) {
            case "overview" -> only(path, 1, () -> overview());
            case "streams" ->
                path.size() == 1 ? streams(request.page(DEFAULT_PAGE)) : only(path, 2, () -> stream(path.get(1)));
            case "groups" -> only(path, 1, () -> groups(request.parameter("stream"), request.page(DEFAULT_PAGE)));
            case "replication" -> only(path, 1, () -> replication(request.page(DEFAULT_PAGE)));
            case "edges" -> only(path, 1, () -> edges(request.page(DEFAULT_PAGE)));
            default ->
                throw ApiError.notFound(
                        "no such resource; try /api/overview, /api/streams, /api/groups, /api/replication, /api/edges");
        };
    }

    private static String only(List<String> path, int size, Supplier<String> answer) {
        if (path.size() > size) {
            throw ApiError.notFound("no such resource");
        }
        return answer.get();
    }

    private String document(Json.Body fields) {
        return ConsoleApi.document(hub.clock().millis(), fields);
    }

    private String overview() {
        MetricsHttpServer.Health h = health.get();
        return document(g -> {
            g.writeStringField("hub", hub.config().hubId());
            g.writeStringField("region", hub.config().region());
            g.writeStringField("store", hub.config().store());
            g.writeBooleanField("auth", hub.authenticator().enabled());
            g.writeFieldName("health");
            g.writeRawValue(h.json().strip());
            g.writeNumberField("streams", hub.streams().list().size());
            g.writeNumberField("connections", hub.producers().connections().size());
        });
    }

    private List<StreamDefinition> sortedStreams() {
        return hub.streams().list().stream()
                .sorted(Comparator.comparing(StreamDefinition::name))
                .toList();
    }

    private String streams(Page page) {
        List<StreamDefinition> all = sortedStreams();
        return document(g -> page.write(g, all, (w, s) -> StreamJson.summary(w, admin.describe(s))));
    }

    private StreamDefinition find(String name) {
        try {
            return hub.streams().describe(name);
        } catch (StreamException | IllegalArgumentException e) {
            throw ApiError.notFound("no stream named " + name);
        }
    }

    private String stream(String name) {
        StreamDescription d = admin.describe(find(name));
        return document(g -> StreamJson.detail(g, d));
    }

    private record GroupRef(String stream, String group) {}

    private String groups(Optional<String> stream, Page page) {
        List<String> names = stream.isPresent()
                ? List.of(find(stream.get()).name())
                : sortedStreams().stream().map(StreamDefinition::name).toList();
        List<GroupRef> all = names.stream()
                .flatMap(s -> checkpoints.groupsOf(s).stream().map(group -> new GroupRef(s, group)))
                .toList();
        return document(g -> page.write(g, all, this::group));
    }

    private void group(JsonGenerator g, GroupRef ref) throws IOException {
        g.writeStartObject();
        g.writeStringField("stream", ref.stream());
        g.writeStringField("group", ref.group());
        GroupDescription d;
        try {
            d = groups.apply(ref.stream(), ref.group());
        } catch (RuntimeException e) {
            g.writeStringField("error", String.valueOf(e.getMessage()));
            g.writeEndObject();
            return;
        }
        long lagRecords = 0;
        long lagMs = 0;
        TreeSet<String> owners = new TreeSet<>();
        for (GroupShardLag s : d.getShardsList()) {
            lagRecords += s.getLagRecords();
            lagMs = Math.max(lagMs, s.getLagMs());
            if (!s.getOwner().isEmpty()) {
                owners.add(s.getOwner());
            }
        }
        g.writeNumberField("members", owners.size());
        g.writeNumberField("lag_records", lagRecords);
        g.writeNumberField("lag_ms", lagMs);
        g.writeArrayFieldStart("shards");
        for (GroupShardLag s : d.getShardsList()) {
            g.writeStartObject();
            g.writeStringField("shard", s.getShardId());
            g.writeStringField("owner", s.getOwner());
            g.writeNumberField("checkpoint", s.getCheckpoint());
            g.writeNumberField("lag_records", s.getLagRecords());
            g.writeNumberField("lag_ms", s.getLagMs());
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeEndObject();
    }

    private String replication(Page page) {
        List<StreamDefinition> all = sortedStreams().stream()
                .filter(s -> s.replication().replicated())
                .toList();
        return document(g -> page.write(g, all, (w, s) -> {
            StreamDescription d = admin.describe(s);
            w.writeStartObject();
            w.writeStringField("stream", d.getStream());
            StreamJson.region(w, d);
            StreamJson.regions(w, d);
            w.writeArrayFieldStart("shards");
            for (var shard : d.getShardsList()) {
                w.writeStartObject();
                w.writeStringField("id", shard.getShardId());
                w.writeNumberField("next_sequence", shard.getNextSequence());
                StreamJson.replicas(w, shard);
                w.writeEndObject();
            }
            w.writeEndArray();
            w.writeEndObject();
        }));
    }

    private String edges(Page page) {
        List<Session> all = hub.producers().connections().stream()
                .sorted(Comparator.comparing(Session::agentId).thenComparing(Session::connectedMs))
                .toList();
        return document(g -> page.write(g, all, (w, s) -> {
            w.writeStartObject();
            w.writeStringField("id", s.agentId());
            w.writeStringField("role", s.role() == PeerRole.PEER_ROLE_AGENT ? "agent" : "producer");
            w.writeStringField("client", s.clientName());
            w.writeStringField("remote", String.valueOf(s.remoteAddress()));
            w.writeStringField("grant", Long.toHexString(s.grantedEpoch()).toLowerCase(Locale.ROOT));
            w.writeNumberField("connected_ms", s.connectedMs());
            w.writeEndObject();
        }));
    }
}
