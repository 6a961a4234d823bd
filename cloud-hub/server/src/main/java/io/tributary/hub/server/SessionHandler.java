package io.tributary.hub.server;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.tributary.hub.epoch.GrantTable;
import io.tributary.hub.metrics.PeerLog;
import io.tributary.protocol.ProtocolVersion;
import io.tributary.protocol.frame.FrameDecodeFailure;
import io.tributary.protocol.v1.ConnectionError;
import io.tributary.protocol.v1.ErrorCode;
import io.tributary.protocol.v1.Frame;
import io.tributary.protocol.v1.Hello;
import io.tributary.protocol.v1.PeerRole;
import io.tributary.protocol.v1.Pong;
import io.tributary.protocol.v1.Welcome;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The per-connection state machine: the first frame must be a {@code Hello} with acceptable credentials and version;
 * after the {@code Welcome}, frames go to the {@link FrameService} registered for their body. Anything else is
 * answered with a {@code ConnectionError} and a close, logged with the peer address.
 *
 * <p>Thread rules: one instance per channel, on its event loop.
 */
final class SessionHandler extends SimpleChannelInboundHandler<Frame> {
    private static final Logger log = LoggerFactory.getLogger(SessionHandler.class);

    private final HubContext hub;
    private final Map<Frame.BodyCase, FrameService> services;
    private Session session;
    private boolean handshaking;

    SessionHandler(HubContext hub, Map<Frame.BodyCase, FrameService> services) {
        this.hub = hub;
        this.services = services;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        hub.metrics().connectionOpened();
        ctx.fireChannelActive();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Frame frame) {
        if (handshaking) {
            refuse(ctx, ErrorCode.ERROR_CODE_PROTOCOL_VIOLATION, "sent " + frame.getBodyCase() + " before Welcome");
            return;
        }
        if (session == null) {
            handshake(ctx, frame);
            return;
        }
        switch (frame.getBodyCase()) {
            case PING ->
                ctx.writeAndFlush(Frame.newBuilder()
                        .setPong(Pong.newBuilder()
                                .setNonce(frame.getPing().getNonce())
                                .setSendTimeNanos(frame.getPing().getSendTimeNanos()))
                        .build());
            case PONG -> {}
            case GOODBYE -> {
                log.debug("{} said goodbye: {}", session, frame.getGoodbye().getReason());
                ctx.close();
            }
            case ERROR -> {
                hub.metrics()
                        .peerLog()
                        .warn(
                                log,
                                PeerLog.CONNECTION,
                                "{} reported an error: {} {}",
                                session,
                                frame.getError().getCode(),
                                frame.getError().getMessage());
                ctx.close();
            }
            default -> {
                FrameService service = services.get(frame.getBodyCase());
                if (service == null) {
                    refuse(
                            ctx,
                            ErrorCode.ERROR_CODE_PROTOCOL_VIOLATION,
                            frame.getBodyCase() + " is not accepted by a hub");
                    return;
                }
                service.onFrame(session, frame);
            }
        }
    }

    private void handshake(ChannelHandlerContext ctx, Frame frame) {
        if (!frame.hasHello()) {
            refuse(ctx, ErrorCode.ERROR_CODE_PROTOCOL_VIOLATION, "expected Hello, got " + frame.getBodyCase());
            return;
        }
        Hello hello = frame.getHello();
        OptionalInt version = ProtocolVersion.negotiate(hello.getMinVersion(), hello.getMaxVersion());
        if (version.isEmpty()) {
            refuse(
                    ctx,
                    ErrorCode.ERROR_CODE_UNSUPPORTED_VERSION,
                    "protocol versions " + hello.getMinVersion() + ".." + hello.getMaxVersion()
                            + " not supported; this hub speaks " + ProtocolVersion.MIN_SUPPORTED + ".."
                            + ProtocolVersion.CURRENT);
            return;
        }
        Optional<String> denied = hub.authenticator().check(hello);
        if (denied.isPresent()) {
            hub.metrics().authFailure();
            refuse(ctx, ErrorCode.ERROR_CODE_UNAUTHENTICATED, "authentication failed: " + denied.get());
            return;
        }
        if (hello.getAgentId().isEmpty() || hello.getAgentId().length() > 256) {
            refuse(ctx, ErrorCode.ERROR_CODE_PROTOCOL_VIOLATION, "agent id must be 1..256 characters");
            return;
        }
        if (hello.getRole() != PeerRole.PEER_ROLE_AGENT && hello.getRole() != PeerRole.PEER_ROLE_PRODUCER) {
            welcome(ctx, hello, version.getAsInt(), 0, 0);
            return;
        }
        // Agents and producers hold an epoch grant: the durable claim runs off the event loop, and nothing is read
        // from the peer until it is answered (a well-behaved client sends nothing before the Welcome anyway).
        handshaking = true;
        ctx.channel().config().setAutoRead(false);
        hub.producers()
                .claim(hello.getAgentId(), hello.getAgentEpoch())
                .whenComplete((claim, error) -> ctx.executor().execute(() -> {
                    handshaking = false;
                    if (!ctx.channel().isActive()) {
                        return;
                    }
                    ctx.channel().config().setAutoRead(true);
                    Throwable cause =
                            error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                    if (cause instanceof IllegalArgumentException) {
                        refuse(ctx, ErrorCode.ERROR_CODE_PROTOCOL_VIOLATION, cause.getMessage());
                    } else if (cause != null) {
                        log.error("could not record an epoch grant for {}", hello.getAgentId(), cause);
                        refuse(ctx, ErrorCode.ERROR_CODE_INTERNAL, "the hub could not record an epoch grant");
                    } else if (claim instanceof GrantTable.Claim.Fenced f) {
                        hub.producers().refusedFenced();
                        refuse(
                                ctx,
                                ErrorCode.ERROR_CODE_FENCED,
                                "fenced: a newer instance of " + hello.getAgentId() + " holds epoch grant "
                                        + Long.toHexString(f.current()) + " (this one presented "
                                        + Long.toHexString(hello.getAgentEpoch()) + ")");
                    } else if (claim instanceof GrantTable.Claim.Granted g) {
                        welcome(ctx, hello, version.getAsInt(), g.grant(), g.superseded());
                    }
                }));
    }

    private void welcome(ChannelHandlerContext ctx, Hello hello, int version, long grant, long superseded) {
        session = new Session(
                ctx.channel(),
                hello.getAgentId(),
                hello.getAgentEpoch(),
                hello.getRole(),
                grant,
                hello.getClientName(),
                hub.clock().millis());
        if (grant != 0) {
            hub.producers().connected(session, superseded);
        }
        log.debug("{} connected ({}), protocol v{}", session, hello.getClientName(), version);
        ctx.writeAndFlush(Frame.newBuilder()
                .setWelcome(Welcome.newBuilder()
                        .setVersion(version)
                        .setHubId(hub.config().hubId())
                        .setRegion(hub.config().region())
                        .setMaxFrameBytes(hub.config().maxFrameBytes())
                        .setGrantedEpoch(grant))
                .build());
    }

    private void refuse(ChannelHandlerContext ctx, ErrorCode code, String message) {
        hub.metrics()
                .peerLog()
                .warn(
                        log,
                        PeerLog.REFUSED,
                        "closing connection from {}: {}",
                        ctx.channel().remoteAddress(),
                        message);
        hub.metrics().refused(code);
        ctx.writeAndFlush(Frame.newBuilder()
                        .setError(ConnectionError.newBuilder().setCode(code).setMessage(message))
                        .build())
                .addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            hub.metrics()
                    .peerLog()
                    .info(
                            log,
                            PeerLog.IDLE,
                            "closing idle connection from {}",
                            ctx.channel().remoteAddress());
            ctx.close();
        } else if (evt instanceof FrameDecodeFailure f) {
            hub.metrics()
                    .peerLog()
                    .warn(
                            log,
                            PeerLog.FRAME,
                            "closing connection from {}: {}",
                            ctx.channel().remoteAddress(),
                            f.message());
            hub.metrics().refused(f.code());
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        hub.metrics().connectionClosed();
        if (session != null) {
            if (session.grantedEpoch() != 0) {
                hub.producers().closed(session);
            }
            for (FrameService s :
                    Map.copyOf(services).values().stream().distinct().toList()) {
                s.onClosed(session);
            }
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof java.io.IOException) {
            // A peer that vanished (reset, broken pipe): routine for agents that restart or lose their link.
            hub.metrics()
                    .peerLog()
                    .info(
                            log,
                            PeerLog.CONNECTION,
                            "connection from {} lost: {}",
                            ctx.channel().remoteAddress(),
                            cause.getMessage());
        } else {
            hub.metrics()
                    .peerLog()
                    .warn(
                            log,
                            PeerLog.CONNECTION,
                            "closing connection from {} after an error: {}",
                            ctx.channel().remoteAddress(),
                            cause.toString());
        }
        ctx.close();
    }
}
