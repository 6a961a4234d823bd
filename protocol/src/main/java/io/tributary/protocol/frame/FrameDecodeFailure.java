package io.tributary.protocol.frame;

import io.tributary.protocol.v1.ErrorCode;

/**
 * User event fired down the pipeline when {@link FrameDecoder} rejects input, just before the connection closes, so
 * that handlers can count it. The decoder has already logged it and answered the peer.
 *
 * @param code what was wrong, as sent to the peer
 * @param message the human-readable reason sent to the peer
 */
public record FrameDecodeFailure(ErrorCode code, String message) {}
