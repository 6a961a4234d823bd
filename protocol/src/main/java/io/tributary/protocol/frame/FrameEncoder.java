package io.tributary.protocol.frame;

import com.google.protobuf.CodedOutputStream;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.EncoderException;
import io.netty.handler.codec.MessageToByteEncoder;
import io.tributary.protocol.v1.Frame;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Encodes a {@link Frame} as a varint32 length prefix followed by the message, into one exactly sized buffer. A frame
 * larger than the limit fails its write promise instead of being sent (the peer would reject it anyway).
 *
 * <p>Thread rules: stateless and {@link Sharable}.
 */
@Sharable
public final class FrameEncoder extends MessageToByteEncoder<Frame> {
    private final int maxFrameBytes;

    public FrameEncoder(FrameLimits limits) {
        super(Frame.class);
        this.maxFrameBytes = limits.maxFrameBytes();
    }

    @Override
    protected ByteBuf allocateBuffer(ChannelHandlerContext ctx, Frame msg, boolean preferDirect) {
        int size = msg.getSerializedSize();
        return ctx.alloc().ioBuffer(Varint32.size(size) + size);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, Frame msg, ByteBuf out) {
        int size = msg.getSerializedSize();
        if (size > maxFrameBytes) {
            throw new EncoderException(
                    "frame " + msg.getBodyCase() + " of " + size + " bytes exceeds the limit of " + maxFrameBytes);
        }
        writeTo(out, msg, size);
    }

    /** Encodes one frame into a new buffer; used where no encoder sits in the pipeline. */
    public static ByteBuf encode(ByteBufAllocator alloc, Frame frame) {
        int size = frame.getSerializedSize();
        ByteBuf out = alloc.buffer(Varint32.size(size) + size);
        writeTo(out, frame, size);
        return out;
    }

    private static void writeTo(ByteBuf out, Frame msg, int size) {
        Varint32.write(out, size);
        int start = out.writerIndex();
        out.ensureWritable(size);
        try {
            CodedOutputStream cos = CodedOutputStream.newInstance(out.nioBuffer(start, size));
            msg.writeTo(cos);
            cos.checkNoSpaceLeft();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.writerIndex(start + size);
    }
}
