package io.tributary.protocol.frame;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;

/** Small ByteBuf helpers shared by the codec. */
final class ByteBufs {
    private ByteBufs() {}

    static byte[] toArray(ByteBuf buf) {
        return ByteBufUtil.getBytes(buf, buf.readerIndex(), buf.readableBytes(), false);
    }
}
