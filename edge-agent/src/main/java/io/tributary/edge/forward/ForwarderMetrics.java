package io.tributary.edge.forward;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The forwarder's meters, all under {@code tributary.edge.forward.}: records forwarded (rate = forward rate), batches
 * in flight, hub round trip (send to ack), age of the oldest record not yet acknowledged by the hub, link state,
 * reconnects, redirects, refusals, failed writes and throttles. Backlog records and bytes are the buffer's {@code
 * tributary.edge.buffer.records} and {@code .bytes} gauges.
 *
 * <p>Thread rules: thread-safe; the values are written by the forwarder thread.
 */
final class ForwarderMetrics {
    private static final String PREFIX = "tributary.edge.forward.";

    final Counter records;
    final Counter batches;
    final Counter reconnects;
    /** Moves to another hub because the hub did not write the batch's shard (NOT_HOME). */
    final Counter redirects;

    final Counter throttles;
    final Counter fatalRefusals;
    /** Batch writes that failed because the connection is unusable; it is closed and everything resent. */
    final Counter writeFailedTransport;
    /** Batches that cannot be written on an open connection (over the frame size limit): a non-retriable refusal. */
    final Counter writeFailedRefused;

    final Timer roundTrip;
    /** Edge receive time of a batch's first record to the batch's send: the wait in the buffer (and the linger). */
    final Timer forwardWait;

    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicInteger linkState = new AtomicInteger();
    final AtomicLong oldestUnackedAgeMs = new AtomicLong();
    private final MeterRegistry registry;
    private final List<Meter> meters = new ArrayList<>();

    ForwarderMetrics(MeterRegistry registry) {
        this.registry = registry;
        records = track(Counter.builder(PREFIX + "records")
                .description("records acknowledged by the hub (rate: forward rate)")
                .register(registry));
        batches = track(Counter.builder(PREFIX + "batches")
                .description("batches acknowledged by the hub")
                .register(registry));
        reconnects = track(Counter.builder(PREFIX + "reconnects")
                .description("hub connections lost or failed to open")
                .register(registry));
        redirects = track(Counter.builder(PREFIX + "redirects")
                .description("moves to another hub because the hub said it does not write the batch's shard"
                        + " (NOT_HOME: the stream's home is another region, or another hub writes the shard);"
                        + " not counted in reconnects")
                .register(registry));
        throttles = track(Counter.builder(PREFIX + "throttles")
                .description("Throttle frames received")
                .register(registry));
        fatalRefusals = track(Counter.builder(PREFIX + "errors")
                .description("batches refused as not retriable, by the hub or because they cannot be written to it"
                        + " (over the frame size limit); they are retried with backoff, never dropped")
                .register(registry));
        writeFailedTransport = writeFailures("transport");
        writeFailedRefused = writeFailures("refused");
        roundTrip = track(Timer.builder(PREFIX + "ack.latency")
                .description("hub round trip: batch sent to BatchAck received")
                .publishPercentiles(0.5, 0.99)
                .register(registry));
        forwardWait = track(Timer.builder(PREFIX + "wait")
                .description("edge receive time of a batch's first record to the batch's send to the hub (the time in"
                        + " the buffer, linger included; a resend after an outage counts the outage)")
                .publishPercentiles(0.5, 0.99)
                .register(registry));
        track(Gauge.builder(PREFIX + "in.flight", inFlight, AtomicInteger::get)
                .description("batches sent and not yet acknowledged")
                .strongReference(true)
                .register(registry));
        track(Gauge.builder(PREFIX + "link.state", linkState, AtomicInteger::get)
                .description("-1 fenced, 0 down, 1 connecting, 2 up")
                .strongReference(true)
                .register(registry));
        track(TimeGauge.builder(
                        PREFIX + "oldest.unacked.age", oldestUnackedAgeMs, TimeUnit.MILLISECONDS, AtomicLong::get)
                .description("age (edge receive time) of the oldest buffered record the hub has not acknowledged")
                .strongReference(true)
                .register(registry));
    }

    private Counter writeFailures(String kind) {
        return track(Counter.builder(PREFIX + "write.failures")
                .description("batch writes to the hub that failed, by kind (transport: reconnect and resend; refused:"
                        + " the batch cannot be written, retried with backoff, never dropped)")
                .tag("kind", kind)
                .register(registry));
    }

    Counter nacks(String reason, boolean retriable) {
        return track(Counter.builder(PREFIX + "nacks")
                .description("batches refused by the hub")
                .tag("reason", reason)
                .tag("retriable", Boolean.toString(retriable))
                .register(registry));
    }

    private <M extends Meter> M track(M meter) {
        meters.add(meter);
        return meter;
    }

    void close() {
        meters.forEach(registry::remove);
    }
}
