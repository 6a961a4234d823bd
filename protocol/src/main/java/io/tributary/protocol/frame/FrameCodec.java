package io.tributary.protocol.frame;

import io.netty.channel.ChannelPipeline;

/** Installs the frame codec in a pipeline under fixed names, so every role builds its pipeline the same way. */
public final class FrameCodec {
    public static final String ENCODER = "frameEncoder";
    public static final String DECODER = "frameDecoder";

    private FrameCodec() {}

    /** Adds encoder then decoder at the end of the pipeline; add the frame handler after them. */
    public static void install(ChannelPipeline pipeline, FrameLimits limits) {
        install(pipeline, limits, true);
    }

    /** ... with {@code logDecodeFailures} false when the frame handler logs {@link FrameDecodeFailure} itself. */
    public static void install(ChannelPipeline pipeline, FrameLimits limits, boolean logDecodeFailures) {
        pipeline.addLast(ENCODER, new FrameEncoder(limits));
        pipeline.addLast(DECODER, new FrameDecoder(limits, logDecodeFailures));
    }
}
