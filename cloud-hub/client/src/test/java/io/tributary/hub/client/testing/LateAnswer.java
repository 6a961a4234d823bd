package io.tributary.hub.client.testing;

import io.tributary.hub.client.internal.Connector;
import io.tributary.hub.client.internal.FrameListener;
import io.tributary.hub.client.internal.HubConnection;
import io.tributary.protocol.v1.Frame;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link Connector} whose first attempt answers late: its future completes only after its connection closed. That
 * is what a session sees when its thread is preempted between starting a connect and attaching to the future while
 * the hub says Welcome and hangs up: the close reaches the session before the connection does. Later attempts go
 * straight through.
 */
public final class LateAnswer implements Connector {
    private final Connector direct;
    private final AtomicInteger attempts = new AtomicInteger();

    public LateAnswer(Connector direct) {
        this.direct = direct;
    }

    /** Attempts made so far. */
    public int attempts() {
        return attempts.get();
    }

    @Override
    public CompletableFuture<HubConnection> connect(
            io.tributary.hub.client.core.HubEndpoint endpoint, long agentEpoch, FrameListener listener) {
        if (attempts.incrementAndGet() > 1) {
            return direct.connect(endpoint, agentEpoch, listener);
        }
        CompletableFuture<HubConnection> answer = new CompletableFuture<>();
        direct.connect(endpoint, agentEpoch, new FrameListener() {
                    @Override
                    public void onFrame(HubConnection c, Frame frame) {
                        listener.onFrame(c, frame);
                    }

                    @Override
                    public void onClosed(HubConnection c, String reason) {
                        listener.onClosed(c, reason);
                        answer.complete(c);
                    }
                })
                .whenComplete((c, e) -> {
                    if (e != null) {
                        answer.completeExceptionally(e);
                    }
                });
        return answer;
    }
}
