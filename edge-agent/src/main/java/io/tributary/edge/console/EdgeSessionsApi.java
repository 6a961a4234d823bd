package io.tributary.edge.console;

import com.fasterxml.jackson.core.JsonGenerator;
import io.tributary.edge.mqtt.MqttServer;
import io.tributary.edge.mqtt.SessionInfo;
import io.tributary.edge.mqtt.pubsub.Subscription;
import io.tributary.protocol.console.ApiError;
import io.tributary.protocol.console.ApiRequest;
import io.tributary.protocol.console.ConsoleApi;
import io.tributary.protocol.console.Page;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * The MQTT sessions of the edge's local broker in the console API (read-only, JSON, lists paged with {@code
 * ?offset=&limit=}):
 *
 * <ul>
 *   <li>{@code GET /api/sessions}: a page of the sessions held (connected, or persistent and waiting for their
 *       client) by client id: {@code {"client_id", "connected", "persistent", "expiry_s" (session expiry interval; 0:
 *       ends with its connection), "expires_at_ms" (when a detached session is removed; 0 while connected),
 *       "subscriptions" (how many), "queued" (QoS 1/2 messages not acknowledged yet, in flight included), "queued_bytes",
 *       "inbound_qos2" (packet ids of the client's QoS 2 publishes held until PUBREL)}}
 *   <li>{@code GET /api/sessions/<client id>}: one such object with {@code "filters"}: its subscriptions as in
 *       {@code /api/subscriptions} without {@code client_id}; 404 when unknown
 *   <li>{@code GET /api/subscriptions}: a page of every session's subscriptions by client id, then filter: {@code
 *       {"client_id", "filter" (as the client wrote it, {@code $share/<group>/} included), "qos" (granted),
 *       "no_local", "retain_as_published", "retain_handling" (0-2), "subscription_id" (0: none)}}
 * </ul>
 *
 * <p>Thread rules: thread-safe; answers from {@link MqttServer#sessions()} snapshots.
 */
final class EdgeSessionsApi {

    private record Row(String clientId, Subscription subscription) {}

    private final MqttServer mqtt;
    private final Clock clock;

    EdgeSessionsApi(MqttServer mqtt, Clock clock) {
        this.mqtt = mqtt;
        this.clock = clock;
    }

    String sessions(ApiRequest request, int defaultPage) {
        if (request.segments().size() > 2) {
            throw ApiError.notFound("no such resource");
        }
        if (request.segments().size() == 2) {
            String id = request.segments().get(1);
            SessionInfo s = mqtt.session(id).orElseThrow(() -> ApiError.notFound("no session of '" + id + "'"));
            return ConsoleApi.document(clock.millis(), g -> {
                fields(g, s);
                g.writeArrayFieldStart("filters");
                for (Subscription sub : s.subscriptions()) {
                    g.writeStartObject();
                    fields(g, sub);
                    g.writeEndObject();
                }
                g.writeEndArray();
            });
        }
        // parsed before the snapshot, so that a bad request costs nothing
        Page page = request.page(defaultPage);
        List<SessionInfo> all = mqtt.sessions();
        return ConsoleApi.document(
                clock.millis(),
                g -> page.write(g, all, (w, s) -> {
                    w.writeStartObject();
                    fields(w, s);
                    w.writeEndObject();
                }));
    }

    String subscriptions(ApiRequest request, int defaultPage) {
        if (request.segments().size() > 1) {
            throw ApiError.notFound("no such resource");
        }
        Page page = request.page(defaultPage);
        List<Row> all = new ArrayList<>();
        for (SessionInfo s : mqtt.sessions()) { // by client id, each session's by filter
            s.subscriptions().forEach(sub -> all.add(new Row(s.clientId(), sub)));
        }
        return ConsoleApi.document(
                clock.millis(),
                g -> page.write(g, all, (w, r) -> {
                    w.writeStartObject();
                    w.writeStringField("client_id", r.clientId());
                    fields(w, r.subscription());
                    w.writeEndObject();
                }));
    }

    private static void fields(JsonGenerator g, SessionInfo s) throws IOException {
        g.writeStringField("client_id", s.clientId());
        g.writeBooleanField("connected", s.connected());
        g.writeBooleanField("persistent", s.persistent());
        g.writeNumberField("expiry_s", s.expirySeconds());
        g.writeNumberField("expires_at_ms", s.expiresAtMillis());
        g.writeNumberField("subscriptions", s.subscriptions().size());
        g.writeNumberField("queued", s.queuedMessages());
        g.writeNumberField("queued_bytes", s.queuedBytes());
        g.writeNumberField("inbound_qos2", s.inboundQos2());
    }

    private static void fields(JsonGenerator g, Subscription s) throws IOException {
        g.writeStringField("filter", s.key());
        g.writeNumberField("qos", s.qos());
        g.writeBooleanField("no_local", s.noLocal());
        g.writeBooleanField("retain_as_published", s.retainAsPublished());
        g.writeNumberField("retain_handling", s.retainHandling());
        g.writeNumberField("subscription_id", s.subscriptionId());
    }
}
