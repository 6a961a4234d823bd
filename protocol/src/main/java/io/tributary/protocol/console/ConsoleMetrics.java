package io.tributary.protocol.console;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Counts the console's answers in {@code tributary_console_requests_total{kind, status}}: {@code kind} is {@code
 * page} or {@code api}, {@code status} the HTTP status (a run of 401s is someone without credentials, 400s and 414s
 * hostile or broken clients). Thread-safe.
 */
public final class ConsoleMetrics implements Console.Listener {
    private final MeterRegistry registry;

    public ConsoleMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void answered(String kind, int status) {
        Counter.builder("tributary.console.requests")
                .description("Web console requests answered, by kind (page, api) and HTTP status")
                .tag("kind", kind)
                .tag("status", Integer.toString(status))
                .register(registry)
                .increment();
    }
}
