package io.tributary.edge.mqtt;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * In-memory {@link PublishSink} for tests. In automatic mode every publish completes at once with
 * {@link #autoResult}; in manual mode the futures stay open until the test completes them, which is how the tests
 * prove that acks wait for durability. Thread-safe.
 */
final class ManualSink implements PublishSink {

    /** One accepted publish and the future the endpoint waits on. */
    record Offer(InboundPublish publish, CompletableFuture<SinkResult> future) {
        String payloadText() {
            return new String(publish.payload(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    private final List<Offer> offers = new CopyOnWriteArrayList<>();
    private volatile boolean manual;
    private volatile SinkResult autoResult = SinkResult.STORED;

    static ManualSink automatic() {
        return new ManualSink();
    }

    static ManualSink manual() {
        ManualSink sink = new ManualSink();
        sink.manual = true;
        return sink;
    }

    ManualSink answering(SinkResult result) {
        this.autoResult = result;
        return this;
    }

    @Override
    public CompletionStage<SinkResult> accept(InboundPublish publish) {
        CompletableFuture<SinkResult> future = new CompletableFuture<>();
        offers.add(new Offer(publish, future));
        if (!manual) {
            future.complete(autoResult);
        }
        return future;
    }

    List<Offer> offers() {
        return List.copyOf(offers);
    }

    Offer offer(int index) {
        return offers.get(index);
    }

    int size() {
        return offers.size();
    }

    List<String> payloads() {
        return offers.stream().map(Offer::payloadText).toList();
    }
}
