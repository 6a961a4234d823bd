package io.tributary.bench;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * The inbound side of a raw MQTT 3.1.1 client connection: splits packets by their remaining length and reports CONNACK
 * and PUBACK to a {@link Listener}, every other packet in place (subscribers read PUBLISH and SUBACK there; publishers
 * skip them), with the channel's life-cycle events. Runs on the channel's event loop, as do the listener's calls.
 */
final class MqttAckDecoder extends ByteToMessageDecoder {

    /** What a connection hears; called on its event loop. */
    interface Listener {
        /** The TCP connection is up: send CONNECT. */
        void active(Channel channel);

        void connack(int returnCode);

        void puback(int packetId);

        void inactive();

        void writable();

        /**
         * Any other packet: {@code firstByte} (type and flags) and its body, {@code length} bytes of {@code in} from
         * index {@code body}, valid during the call only. Skipped by default.
         */
        default void packet(int firstByte, ByteBuf in, int body, int length) {}

        /** The end of a read from the socket: the moment to flush what the packets of this read made it write. */
        default void readComplete() {}
    }

    private final Listener listener;

    MqttAckDecoder(Listener listener) {
        this.listener = listener;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        listener.active(ctx.channel());
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        listener.inactive();
        super.channelInactive(ctx);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        if (ctx.channel().isWritable()) {
            listener.writable();
        }
        super.channelWritabilityChanged(ctx);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        listener.readComplete();
        super.channelReadComplete(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (in.readableBytes() >= 2) {
            int start = in.readerIndex();
            int first = in.getUnsignedByte(start);
            int type = first >> 4;
            int length = 0;
            int at = start + 1;
            for (int shift = 0; ; shift += 7, at++) {
                if (at >= in.writerIndex()) {
                    return; // the length is not complete yet
                }
                if (shift > 21) {
                    throw new IllegalStateException("malformed remaining length");
                }
                int b = in.getUnsignedByte(at);
                length |= (b & 0x7f) << shift;
                if ((b & 0x80) == 0) {
                    break;
                }
            }
            int body = at + 1;
            if (in.writerIndex() - body < length) {
                return;
            }
            in.readerIndex(body + length);
            if (type == 2 && length >= 2) {
                listener.connack(in.getUnsignedByte(body + 1));
            } else if (type == 4 && length >= 2) {
                listener.puback(in.getUnsignedShort(body));
            } else {
                listener.packet(first, in, body, length);
            }
        }
    }
}
