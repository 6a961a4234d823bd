package io.tributary.hub.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.hub.store.ShardStore;
import io.tributary.hub.stream.StreamCatalog;
import io.tributary.hub.stream.StreamDefinition;
import io.tributary.hub.stream.StreamRegistry;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * A stream catalog with a problem (no longer read to its end), or a consumer-group state with one, makes the hub's
 * health degraded and says why.
 */
class HubHealthCatalogTest {

    /** An empty catalog reporting {@code problems}. */
    private static StreamCatalog catalog(List<String> problems) {
        return new StreamCatalog() {
            @Override
            public Map<String, StreamDefinition> streams() {
                return Map.of();
            }

            @Override
            public Optional<StreamDefinition> current(String stream) {
                return Optional.empty();
            }

            @Override
            public Change update(String stream, UnaryOperator<Optional<StreamDefinition>> change) {
                throw new UnsupportedOperationException("read-only in this test");
            }

            @Override
            public void follow(Consumer<String> follower) {}

            @Override
            public List<String> problems() {
                return problems;
            }

            @Override
            public String describe() {
                return "test catalog";
            }

            @Override
            public void close() {}
        };
    }

    /** A store without shards. */
    private static ShardStore noShards() {
        return (ShardStore) Proxy.newProxyInstance(
                ShardStore.class.getClassLoader(), new Class<?>[] {ShardStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("shards")) {
                        return Set.of();
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }

    @Test
    void catalogProblem_degradedAndListed() {
        StreamRegistry streams =
                StreamRegistry.open(catalog(List.of("table t not read to its end within 30000 ms")), Clock.systemUTC());
        var health = new HubHealth("hub-1", streams, noShards()).get();

        assertThat(health.healthy()).isFalse();
        assertThat(health.json())
                .contains("\"status\":\"degraded\"")
                .contains("\"catalog\":[\"table t not read to its end within 30000 ms\"]");
    }

    @Test
    void catalogWithoutProblem_healthy() {
        StreamRegistry streams = StreamRegistry.open(catalog(List.of()), Clock.systemUTC());
        var health = new HubHealth("hub-1", streams, noShards()).get();

        assertThat(health.healthy()).isTrue();
        assertThat(health.json()).doesNotContain("catalog");
    }

    @Test
    void groupStateProblem_degradedAndListedUnderGroups() {
        StreamRegistry streams = StreamRegistry.open(catalog(List.of()), Clock.systemUTC());
        String problem = "group g on s: lost its coordination here: a write failed";
        var health = new HubHealth("hub-1", streams, noShards(), List::of, List::of, () -> List.of(problem)).get();

        assertThat(health.healthy()).isFalse();
        assertThat(health.json())
                .contains("\"status\":\"degraded\"")
                .contains("\"groups\":[\"" + problem + "\"]")
                .doesNotContain("\"catalog\"");
        assertThat(new HubHealth("hub-1", streams, noShards(), List::of, List::of, List::of)
                        .get()
                        .healthy())
                .isTrue();
    }
}
