package io.tributary.hub.replication;

import io.tributary.hub.stream.StreamDefinition;
import java.util.Optional;

/** Why an offer of a stream was not taken; {@link #newer} carries this hub's version when it is newer. */
final class Refusal extends Exception {
    private final transient StreamDefinition newer;

    Refusal(String message) {
        this(message, null);
    }

    Refusal(String message, StreamDefinition newer) {
        super(message);
        this.newer = newer;
    }

    Optional<StreamDefinition> newer() {
        return Optional.ofNullable(newer);
    }
}
