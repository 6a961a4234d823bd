package io.tributary.edge.console;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.edge.buffer.DurableBuffer;
import io.tributary.edge.buffer.LaneSummary;
import io.tributary.edge.buffer.LossReason;
import io.tributary.edge.forward.Forwarder;
import io.tributary.edge.forward.ForwarderStatus;
import io.tributary.edge.mqtt.MqttClientInfo;
import io.tributary.edge.mqtt.MqttServer;
import io.tributary.edge.registry.DeviceRegistry;
import io.tributary.protocol.console.ApiError;
import io.tributary.protocol.console.ApiRequest;
import io.tributary.protocol.console.ConsoleApi;
import io.tributary.protocol.console.Page;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The edge console's JSON API, read-only. Lists are paged ({@code ?offset=&limit=}, see {@link Page}). Every answer
 * is an object with {@code "time_ms"} (agent clock) beside:
 *
 * <ul>
 *   <li>{@code GET /api/overview}: {@code {"agent", "stream", "status" ("ok"|"degraded"|"down", as /health),
 *       "link": {"state" (UP, CONNECTING, ...), "hub", "last_error", "lanes_refused": [..]}, "buffer": {"records",
 *       "bytes", "quota_bytes", "oldest_unsent_age_ms" (0 when empty), "epoch", "epoch_grant" (hex),
 *       "overflow_policy", "damaged"}, "losses": {reason: records}, "mqtt": {"connections", "plain", "tls"
 *       (listener addresses, "" when off)}, "counters": {"stored", "forwarded", "publishes"} (totals since start,
 *       to derive rates)}}
 *   <li>{@code GET /api/lanes}: a page of the lanes with stored records, by name: {@code {"lane", "records",
 *       "bytes", "oldest_age_ms", "refused" (its last batch was refused by the hub)}}
 *   <li>{@code GET /api/mqtt}: a page of the MQTT clients connected now, by client id: {@code {"client_id",
 *       "remote"}}
 *   <li>{@code /api/devices}, {@code /api/devices/<id>}, {@code /api/retained}, {@code /api/ledger}: see {@link
 *       EdgeStateApi}
 *   <li>{@code /api/sessions}, {@code /api/sessions/<client id>}, {@code /api/subscriptions}: see {@link
 *       EdgeSessionsApi}
 * </ul>
 *
 * <p>Thread rules: thread-safe; reads snapshots of the buffer, forwarder and MQTT endpoint.
 */
public final class EdgeConsoleApi implements ConsoleApi {
    private static final int DEFAULT_PAGE = 100;

    private final String agentId;
    private final String stream;
    private final DurableBuffer buffer;
    private final Forwarder forwarder;
    private final MqttServer mqtt;
    private final MeterRegistry registry;
    private final Clock clock;
    private final EdgeStateApi state;
    private final EdgeSessionsApi sessions;

    public EdgeConsoleApi(
            String agentId,
            String stream,
            DurableBuffer buffer,
            Forwarder forwarder,
            MqttServer mqtt,
            DeviceRegistry devices,
            MeterRegistry registry,
            Clock clock) {
        this.agentId = agentId;
        this.stream = stream;
        this.buffer = buffer;
        this.forwarder = forwarder;
        this.mqtt = mqtt;
        this.registry = registry;
        this.clock = clock;
        this.state = new EdgeStateApi(buffer, mqtt, devices, registry, clock);
        this.sessions = new EdgeSessionsApi(mqtt, clock);
    }

    @Override
    public String answer(ApiRequest request) {
        List<String> path = request.segments();
        String head = path.isEmpty() ? "overview" : path.get(0);
        if (path.size() > 1 && !head.equals("devices") && !head.equals("sessions")) {
            throw ApiError.notFound("no such resource");
        }
        return switch (head) {
            case "devices" -> state.devices(request, DEFAULT_PAGE);
            case "retained" -> state.retained(request, DEFAULT_PAGE);
            case "ledger" -> state.ledger();
            case "sessions" -> sessions.sessions(request, DEFAULT_PAGE);
            case "subscriptions" -> sessions.subscriptions(request, DEFAULT_PAGE);
            case "overview" -> overview();
            case "lanes" -> lanes(request.page(DEFAULT_PAGE));
            case "mqtt" -> mqtt(request.page(DEFAULT_PAGE));
            default ->
                throw ApiError.notFound("no such resource; try /api/overview, /api/lanes, /api/mqtt, /api/devices,"
                        + " /api/retained, /api/ledger, /api/sessions, /api/subscriptions");
        };
    }

    private String overview() {
        long now = clock.millis();
        ForwarderStatus s = forwarder.status();
        return ConsoleApi.document(now, g -> {
            g.writeStringField("agent", agentId);
            g.writeStringField("stream", stream);
            g.writeStringField("status", s.summary());
            g.writeObjectFieldStart("link");
            g.writeStringField("state", s.state().name());
            g.writeStringField("hub", s.endpoint());
            g.writeStringField("last_error", s.lastError());
            g.writeArrayFieldStart("lanes_refused");
            for (String lane : s.lanesRefused()) {
                g.writeString(lane);
            }
            g.writeEndArray();
            g.writeEndObject();
            g.writeObjectFieldStart("buffer");
            g.writeNumberField("records", buffer.storedRecords());
            g.writeNumberField("bytes", buffer.storedBytes());
            g.writeNumberField("quota_bytes", buffer.config().quotaBytes());
            g.writeNumberField(
                    "oldest_unsent_age_ms",
                    Math.max(0, now - buffer.oldestAppendMs().orElse(now)));
            g.writeNumberField("epoch", buffer.epoch());
            g.writeStringField("epoch_grant", Long.toHexString(buffer.epochGrant()));
            g.writeStringField("overflow_policy", String.valueOf(buffer.config().overflowPolicy()));
            g.writeBooleanField("damaged", buffer.damaged());
            g.writeEndObject();
            g.writeObjectFieldStart("losses");
            for (Map.Entry<LossReason, Long> e : buffer.losses().entrySet()) {
                g.writeNumberField(e.getKey().tag(), e.getValue());
            }
            g.writeEndObject();
            g.writeObjectFieldStart("mqtt");
            g.writeNumberField("connections", mqtt.metrics().connections());
            g.writeStringField(
                    "plain",
                    mqtt.plainAddress().map(InetSocketAddress::toString).orElse(""));
            g.writeStringField(
                    "tls", mqtt.tlsAddress().map(InetSocketAddress::toString).orElse(""));
            g.writeEndObject();
            g.writeObjectFieldStart("counters");
            g.writeNumberField("stored", total("tributary.edge.buffer.stored"));
            g.writeNumberField("forwarded", total("tributary.edge.forward.records"));
            g.writeNumberField("publishes", total("tributary.edge.mqtt.publishes"));
            g.writeEndObject();
        });
    }

    /** The sum of a counter's series (all tags); 0 when it is not registered. */
    private long total(String name) {
        return (long) registry.find(name).counters().stream()
                .mapToDouble(Counter::count)
                .sum();
    }

    private String lanes(Page page) {
        long now = clock.millis();
        Set<String> refused = new HashSet<>(forwarder.status().lanesRefused());
        List<LaneSummary> all = buffer.laneSummaries().stream()
                .sorted(Comparator.comparing(LaneSummary::lane))
                .toList();
        return ConsoleApi.document(
                now,
                g -> page.write(g, all, (w, l) -> {
                    w.writeStartObject();
                    w.writeStringField("lane", l.lane());
                    w.writeNumberField("records", l.records());
                    w.writeNumberField("bytes", l.bytes());
                    w.writeNumberField("oldest_age_ms", Math.max(0, now - l.oldestAppendMs()));
                    w.writeBooleanField("refused", refused.contains(l.lane()));
                    w.writeEndObject();
                }));
    }

    private String mqtt(Page page) {
        List<MqttClientInfo> all = mqtt.clients().stream()
                .sorted(Comparator.comparing(MqttClientInfo::clientId))
                .toList();
        return ConsoleApi.document(
                clock.millis(),
                g -> page.write(g, all, (w, c) -> {
                    w.writeStartObject();
                    w.writeStringField("client_id", c.clientId());
                    w.writeStringField("remote", c.remoteAddress());
                    w.writeEndObject();
                }));
    }
}
