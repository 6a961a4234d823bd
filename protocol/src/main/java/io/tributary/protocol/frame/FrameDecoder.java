package io.tributary.protocol.frame;

import com.google.protobuf.CodedInputStream;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.tributary.protocol.v1.ConnectionError;
import io.tributary.protocol.v1.ErrorCode;
import io.tributary.protocol.v1.Frame;
import java.io.IOException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decodes varint32-length-prefixed {@link Frame}s.
 *
 * <p>A state machine: read the length prefix, check it against {@link FrameLimits#maxFrameBytes()} before any body
 * is buffered, wait for the body, parse it. Malformed, oversized or unknown input never throws into the pipeline: the
 * decoder logs the reason with the peer address, writes a {@link ConnectionError} frame, fires a {@link
 * FrameDecodeFailure} user event, closes the connection and discards anything else that arrives. Memory held per
 * connection is at most one frame.
 *
 * <p>Thread rules: one instance per channel, used only on that channel's event loop.
 */
public final class FrameDecoder extends ByteToMessageDecoder {
    private static final Logger log = LoggerFactory.getLogger(FrameDecoder.class);

    private final int maxFrameBytes;
    private final boolean logFailures;
    private int bodyLength = -1;
    private boolean failed;

    public FrameDecoder(FrameLimits limits) {
        this(limits, true);
    }

    /**
     * @param logFailures false when a later handler logs the {@link FrameDecodeFailure} event (the hub does, under the
     *     rate limit of what peers can cause); the failure is then logged here at DEBUG only
     */
    public FrameDecoder(FrameLimits limits, boolean logFailures) {
        this.maxFrameBytes = limits.maxFrameBytes();
        this.logFailures = logFailures;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        while (in.isReadable()) {
            if (bodyLength < 0) {
                long length = Varint32.read(in);
                if (length == Varint32.INCOMPLETE) {
                    return;
                }
                if (length == Varint32.MALFORMED) {
                    fail(ctx, in, ErrorCode.ERROR_CODE_MALFORMED_FRAME, "malformed frame length prefix");
                    return;
                }
                if (length > maxFrameBytes) {
                    fail(
                            ctx,
                            in,
                            ErrorCode.ERROR_CODE_FRAME_TOO_LARGE,
                            "frame of " + length + " bytes exceeds the limit of " + maxFrameBytes + " bytes");
                    return;
                }
                if (length == 0) {
                    fail(ctx, in, ErrorCode.ERROR_CODE_MALFORMED_FRAME, "empty frame");
                    return;
                }
                bodyLength = (int) length;
            }
            if (in.readableBytes() < bodyLength) {
                return;
            }
            ByteBuf body = in.readSlice(bodyLength);
            bodyLength = -1;
            Frame frame;
            try {
                frame = parse(body);
            } catch (IOException | RuntimeException e) {
                fail(ctx, in, ErrorCode.ERROR_CODE_MALFORMED_FRAME, "malformed frame: " + e.getMessage());
                return;
            }
            if (frame.getBodyCase() == Frame.BodyCase.BODY_NOT_SET) {
                fail(ctx, in, ErrorCode.ERROR_CODE_UNKNOWN_FRAME, "unknown frame type");
                return;
            }
            out.add(frame);
        }
    }

    private static Frame parse(ByteBuf body) throws IOException {
        CodedInputStream input = body.nioBufferCount() == 1
                ? CodedInputStream.newInstance(body.nioBuffer())
                : CodedInputStream.newInstance(ByteBufs.toArray(body));
        Frame frame = Frame.parseFrom(input);
        input.checkLastTagWas(0);
        return frame;
    }

    @Override
    protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        if (!failed) {
            decode(ctx, in, out);
        }
        if (!failed && (in.isReadable() || bodyLength >= 0)) {
            log.debug(
                    "connection from {} closed mid-frame ({} of {} bytes received)",
                    ctx.channel().remoteAddress(),
                    in.readableBytes(),
                    bodyLength < 0 ? "?" : bodyLength);
            in.skipBytes(in.readableBytes());
        }
    }

    /** Bytes buffered while waiting for the rest of a frame; for tests and metrics. */
    int bufferedBytes() {
        return actualReadableBytes();
    }

    boolean hasFailed() {
        return failed;
    }

    private void fail(ChannelHandlerContext ctx, ByteBuf in, ErrorCode code, String message) {
        failed = true;
        in.skipBytes(in.readableBytes());
        if (logFailures) {
            log.warn("closing connection from {}: {}", ctx.channel().remoteAddress(), message);
        } else {
            log.debug("closing connection from {}: {}", ctx.channel().remoteAddress(), message);
        }
        ctx.fireUserEventTriggered(new FrameDecodeFailure(code, message));
        Frame error = Frame.newBuilder()
                .setError(ConnectionError.newBuilder().setCode(code).setMessage(message))
                .build();
        if (ctx.channel().isActive()) {
            ctx.writeAndFlush(FrameEncoder.encode(ctx.alloc(), error)).addListener(ChannelFutureListener.CLOSE);
        } else {
            ctx.close();
        }
    }
}
