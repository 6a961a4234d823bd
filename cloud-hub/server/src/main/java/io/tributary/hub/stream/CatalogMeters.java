package io.tributary.hub.stream;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The stream catalog's meters ({@code tributary_hub_catalog_*}): changes published by origin, changes the catalog
 * could not take, and how long a change takes in the catalog. Every series is registered up front, at 0. Thread-safe.
 */
final class CatalogMeters {
    private final Counter thisHub;
    private final Counter otherHub;
    private final Counter failures;
    private final Timer change;

    CatalogMeters(MeterRegistry registry) {
        String changes = "tributary.hub.catalog.changes";
        String changesHelp = "Stream changes published (create, split, merge, delete, replication), by the hub that"
                + " made them: this_hub, or other_hub for a catalog several hubs share";
        this.thisHub = Counter.builder(changes)
                .description(changesHelp)
                .tag("origin", "this_hub")
                .register(registry);
        this.otherHub = Counter.builder(changes)
                .description(changesHelp)
                .tag("origin", "other_hub")
                .register(registry);
        this.failures = Counter.builder("tributary.hub.catalog.failures")
                .description("Stream changes that failed because the catalog could not take them (an I/O error, the"
                        + " cross-hub lock not taken in time, a write not confirmed)")
                .register(registry);
        this.change = Timer.builder("tributary.hub.catalog.change")
                .description("Time of one stream change in the catalog: its cross-hub lock, reading the newest"
                        + " version, the durable write")
                .register(registry);
    }

    Timer change() {
        return change;
    }

    void madeHere() {
        thisHub.increment();
    }

    void madeElsewhere() {
        otherHub.increment();
    }

    void failed() {
        failures.increment();
    }
}
