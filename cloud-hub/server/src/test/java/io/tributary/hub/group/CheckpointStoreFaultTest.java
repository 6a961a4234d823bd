package io.tributary.hub.group;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.hub.group.CheckpointStore.Row;
import io.tributary.testsupport.DiskFaults;
import io.tributary.testsupport.DiskFaults.Point;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * ENOSPC and EIO on the consumer-group checkpoint log's write and fsync: the commit is refused, and once the fault
 * clears checkpoints are accepted again without a restart; what was acknowledged is kept, what was refused is not.
 */
class CheckpointStoreFaultTest {
    private static final GroupKey G = new GroupKey("s", "g");

    @TempDir
    Path dir;

    private final DiskFaults faults = new DiskFaults();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    static Stream<Arguments> faults() {
        return Stream.of(Point.WRITE, Point.TORN_WRITE, Point.FORCE)
                .flatMap(p -> Stream.of(Arguments.of(p, DiskFaults.noSpace()), Arguments.of(p, DiskFaults.ioError())));
    }

    @AfterEach
    void clear() {
        faults.clear();
    }

    @ParameterizedTest(name = "{1} at {0}")
    @MethodSource("faults")
    void fault_commitRefused_thenAcceptedAgainWithoutRestart_refusedRowNotKept(Point at, IOException error)
            throws Exception {
        try (CheckpointStore store = CheckpointStore.open(dir, registry, faults::open)) {
            commit(store, row(10, 1));

            faults.failAt(at, CheckpointStore.FILE_NAME, error);
            assertThat(store.commit(List.of(row(20, 2))))
                    .failsWithin(Duration.ofSeconds(10))
                    .withThrowableOfType(ExecutionException.class)
                    .withMessageContaining(error.getMessage());
            assertThat(store.rows(G)).containsExactly(Map.entry("shard-0", row(10, 1)));
            assertThat(registry.get("tributary.group.checkpoint.commit.failures")
                            .counter()
                            .count())
                    .isPositive();

            faults.clear();
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> {
                        try {
                            commit(store, row(30, 3));
                            return true;
                        } catch (ExecutionException e) {
                            return false; // refused until the next attempt to reopen the log is due
                        }
                    });
        }
        try (CheckpointStore store = CheckpointStore.open(dir, registry)) {
            assertThat(store.rows(G)).containsExactly(Map.entry("shard-0", row(30, 3)));
        }
    }

    private static Row row(long checkpoint, long token) {
        return new Row(G.shard("shard-0"), checkpoint, token, false);
    }

    private static void commit(CheckpointStore store, Row row) throws Exception {
        store.commit(List.of(row)).get(10, TimeUnit.SECONDS);
    }
}
