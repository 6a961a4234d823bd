package io.tributary.edge.aggregate;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.TimeGauge;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The aggregator's meters, named {@code tributary.edge.aggregate.*}: windows emitted, aggregate records emitted, raw
 * records aggregated, records without a numeric value, late records, and the lag (how long past its end plus grace the
 * oldest open window is still not emitted).
 *
 * <p>Thread rules: thread-safe (Micrometer meters are; the lag is an atomic).
 */
final class AggregatorMetrics {

    private static final String PREFIX = "tributary.edge.aggregate.";

    final Counter windows;
    final Counter aggregates;
    final Counter records;
    final Counter unaggregatable;
    final Counter late;
    final AtomicLong lagMs = new AtomicLong();
    private final MeterRegistry registry;
    private final List<Meter> meters = new ArrayList<>();

    AggregatorMetrics(MeterRegistry registry) {
        this.registry = registry;
        windows = counter("windows", "windows closed and emitted (per raw lane)");
        aggregates = counter("emitted", "aggregate records appended for forwarding");
        records = counter("records", "raw records counted in emitted aggregates");
        unaggregatable =
                counter("unaggregatable", "raw records of window-only topics without a numeric value (dropped)");
        late = counter("late", "records counted in a later window than their receive time's");
        meters.add(TimeGauge.builder(PREFIX + "lag", lagMs, TimeUnit.MILLISECONDS, AtomicLong::get)
                .description("how long past its end plus grace the oldest window is still not emitted")
                .register(registry));
    }

    private Counter counter(String name, String description) {
        Counter c = Counter.builder(PREFIX + name).description(description).register(registry);
        meters.add(c);
        return c;
    }

    void close() {
        meters.forEach(registry::remove);
    }
}
