package io.tributary.edge.console;

import com.fasterxml.jackson.core.JsonGenerator;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.edge.buffer.DurableBuffer;
import io.tributary.edge.buffer.LossReason;
import io.tributary.edge.mqtt.MqttClientInfo;
import io.tributary.edge.mqtt.MqttServer;
import io.tributary.edge.mqtt.RetainedInfo;
import io.tributary.edge.mqtt.pubsub.TopicFilters;
import io.tributary.edge.registry.DeviceInfo;
import io.tributary.edge.registry.DeviceRegistry;
import io.tributary.protocol.console.ApiError;
import io.tributary.protocol.console.ApiRequest;
import io.tributary.protocol.console.ConsoleApi;
import java.io.IOException;
import java.time.Clock;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The edge's local state in the console API (read-only, JSON, lists paged with {@code ?offset=&limit=}):
 *
 * <ul>
 *   <li>{@code GET /api/devices}: a page of the device registry by device id: {@code {"device", "group",
 *       "client_id", "connected" (that client is connected now), "first_seen_ms", "last_seen_ms", "publishes",
 *       "last": {metric: {"value" (text; {@code 0x}hex when not UTF-8; "…" when cut), "time_ms"}}}}
 *   <li>{@code GET /api/devices/<id>}: one such object, 404 when unknown
 *   <li>{@code GET /api/retained[?filter=F]}: a page of the retained messages by topic (default filter {@code #}):
 *       {@code {"topic", "qos", "bytes", "value" (as above, first 128 bytes), "expires_at_ms" (0: never)}}
 *   <li>{@code GET /api/ledger}: what the edge refused or dropped, by reason, since start (buffer losses since the
 *       buffer was created): {@code {"buffer": {reason: records}, "mqtt_refused": {reason: publishes},
 *       "subscriptions_refused": {reason: n}, "deliveries_dropped": {reason: messages}, "malformed": {reason: n}}}
 * </ul>
 *
 * <p>Thread rules: thread-safe; answers from snapshots.
 */
final class EdgeStateApi {
    private static final int VALUE_BYTES = 128;

    private final DurableBuffer buffer;
    private final MqttServer mqtt;
    private final DeviceRegistry devices;
    private final MeterRegistry registry;
    private final Clock clock;

    EdgeStateApi(DurableBuffer buffer, MqttServer mqtt, DeviceRegistry devices, MeterRegistry registry, Clock clock) {
        this.buffer = buffer;
        this.mqtt = mqtt;
        this.devices = devices;
        this.registry = registry;
        this.clock = clock;
    }

    String devices(ApiRequest request, int defaultPage) {
        Set<String> connected =
                mqtt.clients().stream().map(MqttClientInfo::clientId).collect(Collectors.toSet());
        if (request.segments().size() > 2) {
            throw ApiError.notFound("no such resource");
        }
        if (request.segments().size() == 2) {
            String id = request.segments().get(1);
            DeviceInfo d = devices.device(id).orElseThrow(() -> ApiError.notFound("no device '" + id + "'"));
            return ConsoleApi.document(clock.millis(), g -> fields(g, d, connected));
        }
        List<DeviceInfo> all = devices.devices();
        return ConsoleApi.document(
                clock.millis(),
                g -> request.page(defaultPage).write(g, all, (w, d) -> {
                    w.writeStartObject();
                    fields(w, d, connected);
                    w.writeEndObject();
                }));
    }

    private static void fields(JsonGenerator g, DeviceInfo d, Set<String> connected) throws IOException {
        g.writeStringField("device", d.device());
        g.writeStringField("group", d.group());
        g.writeStringField("client_id", d.clientId());
        g.writeBooleanField("connected", connected.contains(d.clientId()));
        g.writeNumberField("first_seen_ms", d.firstSeenMs());
        g.writeNumberField("last_seen_ms", d.lastSeenMs());
        g.writeNumberField("publishes", d.publishes());
        g.writeObjectFieldStart("last");
        for (Map.Entry<String, DeviceInfo.LastValue> e : new TreeMap<>(d.lastValues()).entrySet()) {
            g.writeObjectFieldStart(e.getKey());
            g.writeStringField("value", e.getValue().text());
            g.writeNumberField("time_ms", e.getValue().timeMs());
            g.writeEndObject();
        }
        g.writeEndObject();
    }

    String retained(ApiRequest request, int defaultPage) {
        if (request.segments().size() > 1) {
            throw ApiError.notFound("no such resource");
        }
        String filter = request.parameter("filter").orElse("#");
        try {
            if (TopicFilters.parse(filter).group() != null) {
                throw new IllegalArgumentException("a shared subscription is not a filter of topics");
            }
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest("filter: " + e.getMessage());
        }
        List<RetainedInfo> all = mqtt.retained(filter).stream()
                .sorted(Comparator.comparing(RetainedInfo::topic))
                .toList();
        return ConsoleApi.document(
                clock.millis(),
                g -> request.page(defaultPage).write(g, all, (w, r) -> {
                    boolean cut = r.payload().length > VALUE_BYTES;
                    byte[] shown = cut ? Arrays.copyOf(r.payload(), VALUE_BYTES) : r.payload();
                    w.writeStartObject();
                    w.writeStringField("topic", r.topic());
                    w.writeNumberField("qos", r.qos());
                    w.writeNumberField("bytes", r.payload().length);
                    w.writeStringField("value", new DeviceInfo.LastValue(shown, cut, 0).text());
                    w.writeNumberField("expires_at_ms", r.expiresAtMillis());
                    w.writeEndObject();
                }));
    }

    String ledger() {
        return ConsoleApi.document(clock.millis(), g -> {
            g.writeObjectFieldStart("buffer");
            for (Map.Entry<LossReason, Long> e : buffer.losses().entrySet()) {
                g.writeNumberField(e.getKey().tag(), e.getValue());
            }
            g.writeEndObject();
            byReason(g, "mqtt_refused", "tributary.edge.mqtt.publishes.refused");
            byReason(g, "subscriptions_refused", "tributary.edge.mqtt.subscriptions.refused");
            byReason(g, "deliveries_dropped", "tributary.edge.mqtt.deliveries.dropped");
            byReason(g, "malformed", "tributary.edge.mqtt.malformed.packets");
        });
    }

    /** An object of a counter's values by its {@code reason} tag (summed over other tags), reasons sorted. */
    private void byReason(JsonGenerator g, String field, String counter) throws IOException {
        Map<String, Double> sums = new TreeMap<>();
        for (Counter c : registry.find(counter).counters()) {
            String reason = c.getId().getTag("reason");
            sums.merge(reason == null ? "unknown" : reason, c.count(), Double::sum);
        }
        g.writeObjectFieldStart(field);
        for (Map.Entry<String, Double> e : sums.entrySet()) {
            g.writeNumberField(e.getKey(), e.getValue().longValue());
        }
        g.writeEndObject();
    }
}
