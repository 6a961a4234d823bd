package io.tributary.edge.mqtt;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.tributary.protocol.log.LogRateLimiter;
import java.io.IOException;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Last handler of every pipeline: no exception leaves it. Logs with the peer address (I/O resets at debug, the
 * rest at info), counts, and closes the one connection; the server keeps serving the others. Sharable, stateless.
 */
@ChannelHandler.Sharable
final class ExceptionGuard extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(ExceptionGuard.class);

    private final MqttMetrics metrics;
    private final LogRateLimiter clientLog;

    ExceptionGuard(MqttMetrics metrics, LogRateLimiter clientLog) {
        this.metrics = metrics;
        this.clientLog = clientLog;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        String reason;
        if (cause instanceof IOException) {
            reason = "io_error";
            log.debug("I/O error on {}: {}", ctx.channel().remoteAddress(), cause.toString());
        } else if (cause instanceof DecoderException && cause.getCause() instanceof SSLException) {
            reason = "tls_error";
            clientLog.info(
                    log,
                    ClientLog.TLS,
                    "TLS failure with {}: {}",
                    ctx.channel().remoteAddress(),
                    cause.getCause().toString());
        } else {
            reason = "exception";
            clientLog.info(
                    log,
                    ClientLog.ERROR,
                    "Closing {} after an unexpected error",
                    ctx.channel().remoteAddress(),
                    cause);
        }
        metrics.disconnect(reason);
        ctx.close();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        // Only reached if a handler forwards a message nobody consumes; release it rather than leak.
        io.netty.util.ReferenceCountUtil.release(msg);
    }
}
