package io.tributary.protocol.frame;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.tributary.protocol.v1.ErrorCode;
import io.tributary.protocol.v1.Frame;
import io.tributary.protocol.v1.Ping;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class FrameCodecTest {
    private static final FrameLimits LIMITS = new FrameLimits(64 * 1024);

    /** Collects failure events the decoder fires. */
    static final class FailureRecorder extends ChannelInboundHandlerAdapter {
        final List<FrameDecodeFailure> failures = new ArrayList<>();

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof FrameDecodeFailure f) {
                failures.add(f);
            }
        }
    }

    private final List<EmbeddedChannel> channels = new ArrayList<>();

    private EmbeddedChannel channel(FailureRecorder recorder) {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameEncoder(LIMITS), new FrameDecoder(LIMITS), recorder);
        channels.add(ch);
        return ch;
    }

    @AfterEach
    void releaseChannels() {
        channels.forEach(EmbeddedChannel::finishAndReleaseAll);
    }

    private static ByteBuf encode(Frame frame) {
        return FrameEncoder.encode(io.netty.buffer.UnpooledByteBufAllocator.DEFAULT, frame);
    }

    /** Reads the ConnectionError frame the decoder wrote back to the peer. */
    private static Frame writtenError(EmbeddedChannel ch) {
        ByteBuf out = ch.readOutbound();
        assertThat(out).as("an error frame is written before closing").isNotNull();
        EmbeddedChannel reader = new EmbeddedChannel(new FrameDecoder(LIMITS));
        reader.writeInbound(out);
        Frame error = reader.readInbound();
        reader.finishAndReleaseAll();
        return error;
    }

    @Test
    void roundTrip_everyFrameBody_decodesToEqualFrame() {
        Map<Frame.BodyCase, Frame> samples = SampleFrames.all();
        EnumSet<Frame.BodyCase> expected = EnumSet.allOf(Frame.BodyCase.class);
        expected.remove(Frame.BodyCase.BODY_NOT_SET);
        assertThat(samples.keySet()).as("every frame body has a sample").containsExactlyInAnyOrderElementsOf(expected);

        for (Frame frame : samples.values()) {
            EmbeddedChannel ch = channel(new FailureRecorder());
            assertThat(ch.writeOutbound(frame)).isTrue();
            ByteBuf wire = ch.readOutbound();
            ch.writeInbound(wire);
            Frame decoded = ch.readInbound();
            assertThat(decoded).as(frame.getBodyCase().name()).isEqualTo(frame);
            assertThat(ch.finish()).isFalse();
        }
    }

    @Test
    void decode_framesSplitAcrossReadsAndCoalesced_allDecodedInOrder() {
        List<Frame> frames = new ArrayList<>(SampleFrames.all().values());
        ByteBuf all = Unpooled.buffer();
        for (Frame f : frames) {
            all.writeBytes(encode(f));
        }
        byte[] bytes = new byte[all.readableBytes()];
        all.readBytes(bytes);
        EmbeddedChannel ch = channel(new FailureRecorder());
        for (int i = 0; i < bytes.length; i += 7) {
            ch.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(bytes, i, Math.min(bytes.length, i + 7))));
        }
        for (Frame f : frames) {
            assertThat((Frame) ch.readInbound()).isEqualTo(f);
        }
        assertThat((Object) ch.readInbound()).isNull();
    }

    @Test
    void decode_lengthOverLimit_closesBeforeReadingBody() {
        FailureRecorder recorder = new FailureRecorder();
        EmbeddedChannel ch = channel(recorder);
        ByteBuf prefixOnly = Unpooled.buffer();
        Varint32.write(prefixOnly, LIMITS.maxFrameBytes() + 1);
        ch.writeInbound(prefixOnly);

        assertThat(ch.isOpen()).isFalse();
        assertThat(recorder.failures)
                .extracting(FrameDecodeFailure::code)
                .containsExactly(ErrorCode.ERROR_CODE_FRAME_TOO_LARGE);
        assertThat(writtenError(ch).getError().getCode()).isEqualTo(ErrorCode.ERROR_CODE_FRAME_TOO_LARGE);
    }

    @Test
    void encode_frameOverLimit_failsTheWriteNotTheChannel() {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameEncoder(new FrameLimits(64)));
        Frame big = Frame.newBuilder()
                .setGoodbye(io.tributary.protocol.v1.Goodbye.newBuilder().setReason("x".repeat(100)))
                .build();
        var future = ch.writeAndFlush(big);
        assertThat(future.isSuccess()).isFalse();
        assertThat(future.cause()).hasMessageContaining("exceeds the limit");
        assertThat(ch.isOpen()).isTrue();
    }

    @Test
    void decode_truncatedFrameThenClose_noFrameNoException() {
        FailureRecorder recorder = new FailureRecorder();
        EmbeddedChannel ch = channel(recorder);
        ByteBuf wire = encode(SampleFrames.all().get(Frame.BodyCase.BATCH));
        ch.writeInbound(wire.retainedSlice(0, wire.readableBytes() - 3));
        assertThat((Object) ch.readInbound()).isNull();
        assertThat(ch.isOpen()).isTrue();
        ch.close();
        ch.checkException();
        assertThat(recorder.failures).isEmpty();
        wire.release();
    }

    @Test
    void decode_overlongVarint_closesAsMalformed() {
        FailureRecorder recorder = new FailureRecorder();
        EmbeddedChannel ch = channel(recorder);
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x7F}));
        assertThat(ch.isOpen()).isFalse();
        assertThat(recorder.failures)
                .extracting(FrameDecodeFailure::code)
                .containsExactly(ErrorCode.ERROR_CODE_MALFORMED_FRAME);
    }

    @Test
    void decode_garbageBody_closesAsMalformedAndIgnoresLaterBytes() {
        FailureRecorder recorder = new FailureRecorder();
        EmbeddedChannel ch = channel(recorder);
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {4, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF}));
        assertThat(ch.isOpen()).isFalse();
        assertThat(recorder.failures).hasSize(1);
        assertThat(recorder.failures.get(0).code()).isEqualTo(ErrorCode.ERROR_CODE_MALFORMED_FRAME);
        assertThat((Object) ch.readInbound()).isNull();
    }

    @Test
    void decode_frameWithOnlyUnknownField_closesAsUnknownFrame() {
        // field 999, varint type, value 1: a body from a newer protocol this build does not know.
        byte[] body = {(byte) 0xB8, 0x3E, 0x01};
        ByteBuf wire = Unpooled.buffer();
        Varint32.write(wire, body.length);
        wire.writeBytes(body);
        FailureRecorder recorder = new FailureRecorder();
        EmbeddedChannel ch = channel(recorder);
        ch.writeInbound(wire);
        assertThat(ch.isOpen()).isFalse();
        assertThat(recorder.failures)
                .extracting(FrameDecodeFailure::code)
                .containsExactly(ErrorCode.ERROR_CODE_UNKNOWN_FRAME);
        assertThat(writtenError(ch).getError().getMessage()).contains("unknown frame type");
    }

    @Test
    void decode_emptyFrame_closesAsMalformed() {
        FailureRecorder recorder = new FailureRecorder();
        EmbeddedChannel ch = channel(recorder);
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {0}));
        assertThat(ch.isOpen()).isFalse();
        assertThat(recorder.failures)
                .extracting(FrameDecodeFailure::code)
                .containsExactly(ErrorCode.ERROR_CODE_MALFORMED_FRAME);
    }

    @Test
    void decode_validFrameFollowedByGarbage_deliversTheValidOneFirst() {
        FailureRecorder recorder = new FailureRecorder();
        EmbeddedChannel ch = channel(recorder);
        Frame ping = Frame.newBuilder().setPing(Ping.newBuilder().setNonce(1)).build();
        ByteBuf wire = encode(ping);
        wire.writeBytes(new byte[] {3, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF});
        ch.writeInbound(wire);
        assertThat((Frame) ch.readInbound()).isEqualTo(ping);
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void varint_roundTripsBoundaryValues() {
        for (int v : new int[] {0, 1, 127, 128, 16_383, 16_384, 2_097_151, 2_097_152, 268_435_455, 268_435_456}) {
            ByteBuf b = Unpooled.buffer();
            Varint32.write(b, v);
            assertThat(b.readableBytes()).isEqualTo(Varint32.size(v));
            assertThat(Varint32.read(b)).isEqualTo(v);
            assertThat(b.isReadable()).isFalse();
        }
    }
}
