package io.tributary.hub.store;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Identity of a producer whose sequence numbers are gap-free and increasing: an edge agent, one of its lanes,
 * and the agent's epoch (a new epoch starts a new sequence space). The UTF-8 forms of {@code agentId} and
 * {@code lane} are limited to {@value #MAX_NAME_BYTES} bytes each because they are stored in every batch header.
 *
 * @param agentId the edge agent id
 * @param lane the lane within the agent (for example a priority class), may be empty
 * @param epoch the agent epoch, not negative
 */
public record ProducerKey(String agentId, String lane, long epoch) {
    /** Largest UTF-8 length of {@code agentId} and of {@code lane}. */
    public static final int MAX_NAME_BYTES = 1024;

    public ProducerKey {
        Objects.requireNonNull(agentId, "agentId");
        Objects.requireNonNull(lane, "lane");
        if (agentId.isEmpty()) {
            throw new IllegalArgumentException("agentId must not be empty");
        }
        if (agentId.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES
                || lane.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
            throw new IllegalArgumentException("agentId and lane are limited to " + MAX_NAME_BYTES + " UTF-8 bytes");
        }
        if (epoch < 0) {
            throw new IllegalArgumentException("epoch must not be negative: " + epoch);
        }
    }
}
