package io.tributary.protocol.frame;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.tributary.protocol.v1.Frame;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Feeds 100,000+ random and mutated frames into the decoder (seeded, so a failure reproduces) and checks that no
 * exception escapes the pipeline, nothing hangs, and the bytes the decoder buffers never exceed one frame.
 */
class FrameDecoderFuzzTest {
    private static final long SEED = 0x7121B07A4L;
    private static final int CASES = 100_000;
    private static final FrameLimits LIMITS = new FrameLimits(4096);

    /** Fails the test from inside the pipeline if anything reaches the tail as an exception. */
    static final class ExceptionTrap extends ChannelInboundHandlerAdapter {
        Throwable caught;

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            caught = cause;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            assertThat(msg).isInstanceOf(Frame.class);
        }
    }

    @Test
    void decode_100kRandomAndMutatedFrames_neverThrowsHangsOrOverBuffers() {
        assertTimeoutPreemptively(Duration.ofMinutes(2), () -> {
            Random random = new Random(SEED);
            List<byte[]> seeds = new ArrayList<>();
            for (Frame f : SampleFrames.all().values()) {
                ByteBuf b = FrameEncoder.encode(io.netty.buffer.UnpooledByteBufAllocator.DEFAULT, f);
                byte[] bytes = new byte[b.readableBytes()];
                b.readBytes(bytes);
                seeds.add(bytes);
            }
            int closed = 0;
            for (int i = 0; i < CASES; i++) {
                byte[] input = mutate(random, seeds.get(random.nextInt(seeds.size())), i);
                closed += feed(random, input) ? 1 : 0;
            }
            // Sanity: the mutations are hostile enough that many connections were refused.
            assertThat(closed).isGreaterThan(CASES / 10);
        });
    }

    /** Feeds one input in random chunks; returns whether the decoder closed the connection. */
    private static boolean feed(Random random, byte[] input) {
        FrameDecoder decoder = new FrameDecoder(LIMITS);
        ExceptionTrap trap = new ExceptionTrap();
        EmbeddedChannel ch = new EmbeddedChannel(decoder, trap);
        int pos = 0;
        while (pos < input.length && ch.isOpen()) {
            int n = 1 + random.nextInt(Math.min(64, input.length - pos));
            ch.writeInbound(Unpooled.wrappedBuffer(input, pos, n));
            pos += n;
            assertThat(decoder.bufferedBytes()).isLessThanOrEqualTo(LIMITS.maxFrameBytes() + 5);
        }
        boolean refused = !ch.isOpen();
        ch.finishAndReleaseAll();
        ch.checkException();
        assertThat(trap.caught).isNull();
        return refused;
    }

    private static byte[] mutate(Random random, byte[] seed, int i) {
        switch (i % 6) {
            case 0 -> { // pure random bytes
                byte[] b = new byte[1 + random.nextInt(200)];
                random.nextBytes(b);
                return b;
            }
            case 1 -> { // flip bytes in a valid frame
                byte[] b = seed.clone();
                for (int k = 0, n = 1 + random.nextInt(4); k < n; k++) {
                    b[random.nextInt(b.length)] ^= (byte) (1 << random.nextInt(8));
                }
                return b;
            }
            case 2 -> { // truncate
                return java.util.Arrays.copyOf(seed, random.nextInt(seed.length));
            }
            case 3 -> { // random length prefix, random body
                ByteBuf b = Unpooled.buffer();
                Varint32.write(b, random.nextInt(LIMITS.maxFrameBytes() * 2));
                byte[] body = new byte[random.nextInt(300)];
                random.nextBytes(body);
                b.writeBytes(body);
                byte[] out = new byte[b.readableBytes()];
                b.readBytes(out);
                return out;
            }
            case 4 -> { // valid frame, then a mutated copy appended
                byte[] m = seed.clone();
                m[random.nextInt(m.length)] = (byte) random.nextInt();
                byte[] b = new byte[seed.length + m.length];
                System.arraycopy(seed, 0, b, 0, seed.length);
                System.arraycopy(m, 0, b, seed.length, m.length);
                return b;
            }
            default -> { // insert random bytes into the body
                byte[] extra = new byte[1 + random.nextInt(8)];
                random.nextBytes(extra);
                int at = random.nextInt(seed.length);
                byte[] b = new byte[seed.length + extra.length];
                System.arraycopy(seed, 0, b, 0, at);
                System.arraycopy(extra, 0, b, at, extra.length);
                System.arraycopy(seed, at, b, at + extra.length, seed.length - at);
                return b;
            }
        }
    }
}
