package io.tributary.bench.jmh;

import io.tributary.edge.mqtt.pubsub.Subscription;
import io.tributary.edge.mqtt.pubsub.SubscriptionIndex;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The edge broker's routing of one publish ({@link SubscriptionIndex#match}), the largest share of the edge's CPU in
 * the profile of fan-in ({@code ./tributary bench pubsub --phases fan-in}): {@code subscribers} sessions, each with
 * its device's exact topic, plus one {@code local/in/#} and one {@code local/in/+/+} subscriber; one operation routes
 * one publish of a device topic (three matches: its own, {@code #}, {@code +/+}).
 *
 * <p>Threads: JMH's; the index is read-only after {@link #setUp}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class SubscriptionMatchBench {

    @Param({"1000"})
    public int subscribers;

    private final SubscriptionIndex<String> index = new SubscriptionIndex<>();
    private String[] topics;
    private int next;

    @Setup
    public void setUp() {
        topics = new String[subscribers];
        for (int i = 0; i < subscribers; i++) {
            topics[i] = "local/in/g" + (i % 4) + "/d" + i;
            index.add("session-" + i, Subscription.of(topics[i], 1));
        }
        index.add("all", Subscription.of("local/in/#", 0));
        index.add("plus", Subscription.of("local/in/+/+", 0));
    }

    @Benchmark
    public Map<String, SubscriptionIndex.Matched> match() {
        String topic = topics[next];
        next = next + 1 == topics.length ? 0 : next + 1;
        return index.match(topic, null, s -> true);
    }
}
