package io.tributary.hub.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.testsupport.DiskFaults;
import io.tributary.testsupport.DiskFaults.Point;
import io.tributary.testsupport.MutableClock;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * ENOSPC and EIO on the stream catalog's file write: creating a stream fails with a STORAGE error and publishes
 * nothing; once the fault clears the same call succeeds without a restart, and the stream is there after one.
 */
class StreamRegistryFaultTest {
    @TempDir
    Path dataDir;

    private final DiskFaults faults = new DiskFaults();
    private final MutableClock clock = new MutableClock(1_700_000_000_000L);

    static Stream<Arguments> faults() {
        return Stream.of(Point.CREATE, Point.WRITE, Point.TORN_WRITE, Point.FORCE)
                .flatMap(p -> Stream.of(Arguments.of(p, DiskFaults.noSpace()), Arguments.of(p, DiskFaults.ioError())));
    }

    @ParameterizedTest(name = "{1} at {0}")
    @MethodSource("faults")
    void fault_createRefusedAndNothingPublished_thenCreatedWithoutRestart(Point at, IOException error) {
        StreamRegistry registry = StreamRegistry.open(dataDir, clock, faults::open);
        faults.failAt(at, ".stream", error);

        assertThatThrownBy(() -> create(registry))
                .isInstanceOf(StreamException.class)
                .satisfies(e -> assertThat(((StreamException) e).reason()).isEqualTo(StreamException.Reason.STORAGE))
                .hasStackTraceContaining(error.getMessage());
        assertThat(registry.list()).isEmpty();

        faults.clear();
        assertThat(create(registry).shards()).hasSize(2);
        assertThat(StreamRegistry.open(dataDir, clock).list()).hasSize(1);
    }

    private static StreamDefinition create(StreamRegistry registry) {
        return registry.create("telemetry", KeyMode.GROUP, new Retention(Duration.ofDays(7), 0), 2);
    }
}
