package io.tributary.hub.client;

import io.tributary.protocol.v1.Frame;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** A batch built once and sent, perhaps several times, until the hub acknowledges or refuses it. */
final class SealedBatch {
    final long batchId;
    final String lane;
    final Frame frame;
    final List<CompletableFuture<PutResult>> futures;
    final long createdNanos;
    int attempts;

    SealedBatch(long batchId, String lane, Frame frame, List<CompletableFuture<PutResult>> futures, long createdNanos) {
        this.batchId = batchId;
        this.lane = lane;
        this.frame = frame;
        this.futures = futures;
        this.createdNanos = createdNanos;
    }
}
