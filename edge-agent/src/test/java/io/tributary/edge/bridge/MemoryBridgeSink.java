package io.tributary.edge.bridge;

import io.tributary.edge.buffer.LanePosition;
import io.tributary.edge.mqtt.InboundPublish;
import io.tributary.edge.mqtt.MarkingSink;
import io.tributary.edge.mqtt.SinkResult;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * A {@link MarkingSink} for tests: records every offer, and commits its marks (forward only, like buffer markers) when
 * the offer's future completes {@link SinkResult#STORED}. {@code answer} decides what each offer's future does (null
 * leaves it open in {@link #held}). Several sinks may share one {@code marks} map, as bridges of successive agent runs
 * share the buffer.
 */
final class MemoryBridgeSink implements MarkingSink {
    final List<InboundPublish> offers = new CopyOnWriteArrayList<>();
    final List<CompletableFuture<SinkResult>> held = new CopyOnWriteArrayList<>();
    final Map<String, LanePosition> marks;
    /** How many of the next {@link #mark(Map)} calls are refused (BUSY), as a full buffer would. */
    final java.util.concurrent.atomic.AtomicInteger refuseMarks = new java.util.concurrent.atomic.AtomicInteger();

    private final Function<Integer, SinkResult> answer;

    MemoryBridgeSink(Map<String, LanePosition> marks, Function<Integer, SinkResult> answer) {
        this.marks = marks;
        this.answer = answer;
    }

    MemoryBridgeSink(Function<Integer, SinkResult> answer) {
        this(new ConcurrentHashMap<>(), answer);
    }

    @Override
    public CompletionStage<SinkResult> store(InboundPublish publish, Map<String, LanePosition> moved) {
        int index = offers.size();
        offers.add(publish);
        CompletableFuture<SinkResult> f = new CompletableFuture<>();
        CompletableFuture<SinkResult> committed = f.thenApply(r -> {
            if (r == SinkResult.STORED) {
                commit(moved);
            }
            return r;
        });
        SinkResult r = answer.apply(index);
        if (r == null) {
            held.add(f);
        } else {
            f.complete(r);
        }
        return committed;
    }

    @Override
    public CompletionStage<SinkResult> mark(Map<String, LanePosition> moved) {
        if (refuseMarks.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            return CompletableFuture.completedFuture(SinkResult.BUSY);
        }
        commit(moved);
        return CompletableFuture.completedFuture(SinkResult.STORED);
    }

    @Override
    public LanePosition mark(String name) {
        return marks.getOrDefault(name, LanePosition.BEFORE_FIRST);
    }

    private void commit(Map<String, LanePosition> moved) {
        moved.forEach((name, pos) -> marks.merge(name, pos, LanePosition::max));
    }

    List<String> payloads() {
        return offers.stream()
                .map(p -> new String(p.payload(), StandardCharsets.UTF_8))
                .toList();
    }
}
