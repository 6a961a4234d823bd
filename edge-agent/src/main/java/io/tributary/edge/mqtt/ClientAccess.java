package io.tributary.edge.mqtt;

import io.netty.channel.ChannelHandlerContext;
import io.tributary.edge.mqtt.auth.Identity;
import io.tributary.edge.mqtt.auth.Limits;
import io.tributary.edge.mqtt.auth.Permissions;
import io.tributary.edge.mqtt.auth.TokenBucket;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Access control of one accepted connection: its ACL permissions (placeholders filled with its identity and final
 * client id), its publish rate and its subscription limit. Refusals are counted in {@code
 * tributary_edge_mqtt_access_denied_total} and logged, rate-limited ({@link ClientLog#ACCESS_DENIED}); the caller
 * answers the client.
 *
 * <p>Publish rate ({@code mqtt.limits.publish-rate}): a connection over it has its reads paused until its token
 * bucket is even again, on MQTT 3.1.1 and 5 alike. Nothing is refused or dropped (QoS 0 included, which no reason code
 * could refuse); TCP flow control slows the client down. Packets read in one go before the pause are charged as
 * debt, so the pause can last as long as such a batch takes at the rate; the server does not count it against the
 * client's keep-alive ({@link ReadHolds.Reason#RATE}), but a PINGREQ waits behind it, so a client that sends far beyond the rate
 * may see its ping answered late. Event loop of the connection only.
 */
final class ClientAccess {

    private static final Logger log = LoggerFactory.getLogger(ClientAccess.class);

    private final ServerContext server;
    private final MqttConnection connection;
    private final Identity identity;
    private final Permissions permissions;
    private final TokenBucket bucket;

    ClientAccess(ServerContext server, MqttConnection connection, Identity identity) {
        this.server = server;
        this.connection = connection;
        this.identity = identity;
        this.permissions = server.access().config().permissions(identity, connection.clientId());
        Limits limits = server.access().config().limits();
        this.bucket = limits.publishRate() > 0
                ? new TokenBucket(limits.publishRate(), limits.publishBurst(), System.nanoTime())
                : null;
    }

    /** Whether the ACL lets this connection publish to {@code topic}; a refusal is counted and logged. */
    boolean mayPublish(ChannelHandlerContext ctx, String topic) {
        if (permissions.mayPublish(topic)) {
            return true;
        }
        denied(ctx, "publish", "acl", topic);
        return false;
    }

    /** Whether the ACL lets this connection subscribe to {@code filter} (without any {@code $share/} prefix). */
    boolean maySubscribe(ChannelHandlerContext ctx, String filter) {
        if (permissions.maySubscribe(filter)) {
            return true;
        }
        denied(ctx, "subscribe", "acl", filter);
        return false;
    }

    /** Whether the session may hold one more subscription ({@code mqtt.limits.subscriptions}). */
    boolean mayAddSubscription(ChannelHandlerContext ctx, String filter) {
        int held = connection.session().subscriptions().size();
        if (connection.session().subscriptions().containsKey(filter)
                || held < server.access().config().limits().subscriptionsPerClient()) {
            return true;
        }
        denied(ctx, "subscribe", "subscription_limit", filter);
        return false;
    }

    /** Charges one PUBLISH to the rate limit; pauses reads ({@link ReadHolds.Reason#RATE}) when over it. */
    void onPublish(ChannelHandlerContext ctx, ReadHolds holds) {
        if (bucket == null) {
            return;
        }
        long pauseNanos = bucket.take(System.nanoTime());
        if (pauseNanos <= 0 || holds.holds(ReadHolds.Reason.RATE)) {
            return;
        }
        server.access().metrics().throttled();
        holds.hold(ReadHolds.Reason.RATE);
        ctx.executor().schedule(() -> holds.release(ReadHolds.Reason.RATE), pauseNanos, TimeUnit.NANOSECONDS);
    }

    private void denied(ChannelHandlerContext ctx, String action, String reason, String what) {
        server.access().metrics().denied(action, reason);
        String shown = what.length() > 200 ? what.substring(0, 200) + "..." : what;
        server.clientLog()
                .info(
                        log,
                        ClientLog.ACCESS_DENIED,
                        "Refused {} of client {} ({}, identity '{}') to '{}': {}",
                        action,
                        connection.clientId(),
                        ctx.channel().remoteAddress(),
                        identity.name(),
                        shown,
                        reason.equals("acl") ? "not allowed by the ACL" : "mqtt.limits.subscriptions reached");
    }
}
