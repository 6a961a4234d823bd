package io.tributary.edge.mqtt;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessageIdAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.netty.handler.codec.mqtt.MqttSubAckPayload;
import io.netty.handler.codec.mqtt.MqttSubscribeMessage;
import io.netty.handler.codec.mqtt.MqttSubscriptionOption;
import io.netty.handler.codec.mqtt.MqttTopicSubscription;
import io.netty.handler.codec.mqtt.MqttUnsubAckMessage;
import io.netty.handler.codec.mqtt.MqttUnsubAckPayload;
import io.netty.handler.codec.mqtt.MqttUnsubscribeMessage;
import io.tributary.edge.mqtt.pubsub.Subscription;
import io.tributary.edge.mqtt.pubsub.TopicFilters;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SUBSCRIBE and UNSUBSCRIBE of one connection. Each filter is validated ({@link TopicFilters}: a refused one gets
 * 0x80 in MQTT 3.1.1, 0x8F Topic Filter invalid in 5, and is counted in
 * {@code tributary_edge_mqtt_subscriptions_refused_total}); the granted QoS is the requested one (the edge supports
 * QoS 2). Retained messages matching a granted subscription follow the SUBACK ({@link LocalBroker#sendRetained}).
 * A filter the ACL does not allow ({@link ClientAccess}) gets 0x87 Not authorized (3.1.1: 0x80), one beyond {@code
 * mqtt.limits.subscriptions} 0x97 Quota exceeded (3.1.1: 0x80). A persistent session's subscriptions are journaled
 * ({@link PersistentSessions#subscribed}) before the SUBACK; one the journal refused is taken back and answered 0x80.
 * A packet that breaks the protocol itself (no filter, properties, No Local on a shared subscription,
 * reserved option bits in 3.1.1) is returned as a {@link PacketRules.Violation} for the caller to disconnect.
 *
 * <p>One instance per connection; event loop only.
 */
final class SubscribeRequests {

    private static final Logger log = LoggerFactory.getLogger(SubscribeRequests.class);
    private static final int FILTER_INVALID_V5 = 0x8F;
    private static final int FAILURE_311 = 0x80;
    private static final int NOT_AUTHORIZED_V5 = 0x87;
    private static final int QUOTA_EXCEEDED_V5 = 0x97;

    private final ServerContext server;
    private final MqttConnection connection;
    private final Outbound outbound;
    private final ClientAccess access;

    SubscribeRequests(ServerContext server, MqttConnection connection, Outbound outbound, ClientAccess access) {
        this.server = server;
        this.connection = connection;
        this.outbound = outbound;
        this.access = access;
    }

    /** Answers a SUBSCRIBE with SUBACK; returns the violation instead when the packet breaks the protocol. */
    PacketRules.Violation subscribe(ChannelHandlerContext ctx, MqttSubscribeMessage msg) {
        boolean v5 = connection.isV5();
        MqttProperties props = msg.idAndPropertiesVariableHeader().properties();
        PacketRules.Violation violation = v5 ? PacketRules.subscribe(props) : null;
        if (violation != null) {
            return violation;
        }
        List<MqttTopicSubscription> requested = msg.payload().topicSubscriptions();
        if (requested.isEmpty()) {
            return new PacketRules.Violation(PacketRules.PROTOCOL_ERROR, "empty_subscribe", "SUBSCRIBE without filter");
        }
        int subscriptionId =
                props.getProperty(MqttProperties.SUBSCRIPTION_IDENTIFIER) instanceof MqttProperties.MqttProperty<?> id
                        ? (Integer) id.value()
                        : 0;
        // the whole packet is checked before any filter takes effect: a violation leaves no subscription behind
        for (MqttTopicSubscription request : requested) {
            PacketRules.Violation options = optionViolation(request, v5);
            if (options != null) {
                return options;
            }
        }
        int[] codes = new int[requested.size()];
        List<Runnable> retainedToSend = new ArrayList<>(codes.length);
        List<CompletableFuture<Void>> durable = new ArrayList<>(codes.length);
        for (int i = 0; i < codes.length; i++) {
            MqttTopicSubscription request = requested.get(i);
            MqttSubscriptionOption o = request.option();
            TopicFilters.Parsed parsed;
            try {
                parsed = TopicFilters.parse(request.topicName());
            } catch (IllegalArgumentException e) {
                refused(request.topicName(), "filter_invalid", e.getMessage());
                codes[i] = v5 ? FILTER_INVALID_V5 : FAILURE_311;
                continue;
            }
            if (!access.maySubscribe(ctx, parsed.filter())) {
                server.metrics().subscriptionRefused("not_authorized");
                codes[i] = v5 ? NOT_AUTHORIZED_V5 : FAILURE_311;
                continue;
            }
            if (!access.mayAddSubscription(ctx, request.topicName())) {
                server.metrics().subscriptionRefused("quota_exceeded");
                codes[i] = v5 ? QUOTA_EXCEEDED_V5 : FAILURE_311;
                continue;
            }
            int qos = o.qos().value();
            Subscription subscription = new Subscription(
                    parsed.filter(),
                    parsed.group(),
                    qos,
                    o.isNoLocal(),
                    o.isRetainAsPublished(),
                    o.retainHandling().value(),
                    subscriptionId);
            boolean existed = server.broker().subscribe(connection.session(), subscription);
            codes[i] = qos; // before the journal's callback, which may run at once and turn it into a refusal
            int index = i;
            durable.add(server.persistentSessions()
                    .subscribed(connection.session(), subscription)
                    .whenComplete((ok, error) -> {
                        if (error != null) {
                            log.warn(
                                    "Cannot journal the subscription of {} to '{}'",
                                    connection.clientId(),
                                    request.topicName(),
                                    error);
                            server.broker().unsubscribe(connection.session(), subscription.key());
                            codes[index] = FAILURE_311; // 0x80 is also MQTT 5's Unspecified error
                        }
                    }));
            retainedToSend.add(() -> {
                if (codes[index] != FAILURE_311) { // not for a subscription the journal refused
                    server.broker()
                            .sendRetained(
                                    outbound,
                                    subscription,
                                    existed,
                                    server.clock().millis());
                }
            });
            log.debug("Client {} subscribed to '{}' at QoS {}", connection.clientId(), request.topicName(), qos);
        }
        int messageId = msg.idAndPropertiesVariableHeader().messageId();
        CompletableFuture<Void> all = CompletableFuture.allOf(durable.toArray(CompletableFuture[]::new));
        if (all.isDone()) {
            subAck(ctx, messageId, codes, retainedToSend);
        } else {
            all.whenComplete(
                    (ok, error) -> ctx.executor().execute(() -> subAck(ctx, messageId, codes, retainedToSend)));
        }
        return null;
    }

    private static void subAck(ChannelHandlerContext ctx, int messageId, int[] codes, List<Runnable> retainedToSend) {
        ctx.writeAndFlush(new MqttSubAckMessage(
                new MqttFixedHeader(MqttMessageType.SUBACK, false, MqttQoS.AT_MOST_ONCE, false, 0),
                new MqttMessageIdAndPropertiesVariableHeader(messageId, MqttProperties.NO_PROPERTIES),
                new MqttSubAckPayload(codes)));
        retainedToSend.forEach(Runnable::run); // after the SUBACK
    }

    /** Answers an UNSUBSCRIBE with UNSUBACK; returns the violation instead when the packet breaks the protocol. */
    PacketRules.Violation unsubscribe(ChannelHandlerContext ctx, MqttUnsubscribeMessage msg) {
        boolean v5 = connection.isV5();
        MqttProperties props = msg.idAndPropertiesVariableHeader().properties();
        PacketRules.Violation violation = v5 ? PacketRules.unsubscribe(props) : null;
        if (violation != null) {
            return violation;
        }
        List<String> filters = msg.payload().topics();
        if (filters.isEmpty()) {
            return new PacketRules.Violation(
                    PacketRules.PROTOCOL_ERROR, "empty_unsubscribe", "UNSUBSCRIBE without filter");
        }
        short[] codes = new short[v5 ? filters.size() : 0];
        List<CompletableFuture<Void>> durable = new ArrayList<>();
        for (int i = 0; i < filters.size(); i++) {
            String filter = filters.get(i);
            short code;
            try {
                TopicFilters.parse(filter);
                code = server.broker().unsubscribe(connection.session(), filter) ? (short) 0x00 : (short) 0x11;
                if (code == 0) {
                    int index = i;
                    durable.add(server.persistentSessions()
                            .unsubscribed(connection.session(), filter)
                            .whenComplete((ok, error) -> {
                                if (error != null) {
                                    // gone now, but a restart would bring it back: the client is told so
                                    log.warn(
                                            "Cannot journal the unsubscribe of {} from '{}'",
                                            connection.clientId(),
                                            filter,
                                            error);
                                    if (v5) {
                                        codes[index] = (short) FAILURE_311; // 0x80 Unspecified error
                                    }
                                }
                            }));
                }
            } catch (IllegalArgumentException e) {
                code = FILTER_INVALID_V5;
            }
            if (v5) {
                codes[i] = code;
            }
        }
        int messageId = msg.idAndPropertiesVariableHeader().messageId();
        // UNSUBACK once the change is durable, as SUBACK: after a crash an acknowledged unsubscribe stays done
        CompletableFuture<Void> all = CompletableFuture.allOf(durable.toArray(CompletableFuture[]::new));
        if (all.isDone()) {
            unsubAck(ctx, messageId, codes);
        } else {
            all.whenComplete((ok, error) -> ctx.executor().execute(() -> unsubAck(ctx, messageId, codes)));
        }
        return null;
    }

    private static void unsubAck(ChannelHandlerContext ctx, int messageId, short[] codes) {
        ctx.writeAndFlush(new MqttUnsubAckMessage(
                new MqttFixedHeader(MqttMessageType.UNSUBACK, false, MqttQoS.AT_MOST_ONCE, false, 0),
                new MqttMessageIdAndPropertiesVariableHeader(messageId, MqttProperties.NO_PROPERTIES),
                new MqttUnsubAckPayload(codes)));
    }

    /** Options that make the whole SUBSCRIBE invalid, whatever its filters. */
    private static PacketRules.Violation optionViolation(MqttTopicSubscription request, boolean v5) {
        MqttSubscriptionOption o = request.option();
        if (!v5
                && (o.isNoLocal()
                        || o.isRetainAsPublished()
                        || o.retainHandling().value() != 0)) {
            return new PacketRules.Violation(
                    PacketRules.MALFORMED, "reserved_bits", "MQTT 3.1.1 SUBSCRIBE with reserved option bits set");
        }
        if (o.isNoLocal() && request.topicName().startsWith("$share/")) {
            // MQTT 5 §3.8.3.1: No Local on a shared subscription is a Protocol Error
            return new PacketRules.Violation(
                    PacketRules.PROTOCOL_ERROR, "no_local_on_shared", "No Local on shared subscription");
        }
        return null;
    }

    private void refused(String filter, String reason, String why) {
        server.metrics().subscriptionRefused(reason);
        String shown = filter.length() > 200 ? filter.substring(0, 200) + "..." : filter;
        server.clientLog()
                .info(
                        log,
                        ClientLog.SUBSCRIBE,
                        "Refused subscription of client {} to '{}': {}",
                        connection.clientId(),
                        shown,
                        why);
    }
}
