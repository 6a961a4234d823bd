package io.tributary.hub.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.testsupport.MutableClock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** The catalog's meters count changes by the hub that made them, changes the catalog could not take, and time. */
class CatalogMetersTest {
    private final MutableClock clock = new MutableClock(1_700_000_000_123L);

    private static double changes(SimpleMeterRegistry registry, String origin) {
        return registry.get("tributary.hub.catalog.changes")
                .tag("origin", origin)
                .counter()
                .count();
    }

    @Test
    void changesMadeHereAndElsewhere_countedByOrigin_failuresCounted() {
        SharedMemoryCatalog shared = new SharedMemoryCatalog();
        shared.deliverAtOnce(true);
        SimpleMeterRegistry metersA = new SimpleMeterRegistry();
        SimpleMeterRegistry metersB = new SimpleMeterRegistry();
        StreamRegistry a = StreamRegistry.open(shared.view(), clock, metersA);
        StreamRegistry b = StreamRegistry.open(failing(shared.view()), clock, metersB);
        a.followCatalog();
        b.followCatalog();
        assertThat(changes(metersA, "other_hub")).as("registered at 0").isZero();

        a.create("s", KeyMode.GROUP, new Retention(Duration.ofDays(1), 0), 1);
        assertThatThrownBy(() -> b.delete("s")).isInstanceOf(StreamException.class);

        assertThat(changes(metersA, "this_hub")).isEqualTo(1);
        assertThat(changes(metersB, "other_hub")).isEqualTo(1);
        assertThat(changes(metersB, "this_hub")).isZero();
        assertThat(metersB.get("tributary.hub.catalog.failures").counter().count())
                .isEqualTo(1);
        assertThat(metersA.get("tributary.hub.catalog.change").timer().count()).isEqualTo(1);
    }

    /** {@code view} whose changes all fail with a STORAGE error, as a catalog that cannot write. */
    private static StreamCatalog failing(StreamCatalog view) {
        return new StreamCatalog() {
            @Override
            public Map<String, StreamDefinition> streams() {
                return view.streams();
            }

            @Override
            public Optional<StreamDefinition> current(String stream) {
                return view.current(stream);
            }

            @Override
            public Change update(String stream, UnaryOperator<Optional<StreamDefinition>> change) {
                throw new StreamException(StreamException.Reason.STORAGE, "catalog change of " + stream + " not made");
            }

            @Override
            public void follow(Consumer<String> follower) {
                view.follow(follower);
            }

            @Override
            public String describe() {
                return "failing";
            }

            @Override
            public void close() {}
        };
    }
}
