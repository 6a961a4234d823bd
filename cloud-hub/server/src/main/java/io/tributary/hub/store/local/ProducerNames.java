package io.tributary.hub.store.local;

import io.tributary.hub.store.ProducerKey;
import java.nio.charset.StandardCharsets;

/** The UTF-8 forms of a producer's agent id and lane, encoded once per producer rather than once per batch. */
record ProducerNames(byte[] agentId, byte[] lane) {
    static ProducerNames of(ProducerKey key) {
        return new ProducerNames(
                key.agentId().getBytes(StandardCharsets.UTF_8), key.lane().getBytes(StandardCharsets.UTF_8));
    }
}
