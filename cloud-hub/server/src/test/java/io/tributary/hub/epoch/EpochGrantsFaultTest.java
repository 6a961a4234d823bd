package io.tributary.hub.epoch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.hub.epoch.GrantTable.Claim;
import io.tributary.testsupport.DiskFaults;
import io.tributary.testsupport.DiskFaults.Point;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * ENOSPC and EIO on the epoch-grant log: the claim fails and grants nothing; the next claim, once the fault clears,
 * is granted without a restart, and survives one. A write that ran out of space half-way used to leave a torn entry
 * that the next grant was appended after, where recovery stops: that grant, already announced, was forgotten.
 */
class EpochGrantsFaultTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-04T00:00:00Z"), ZoneOffset.UTC);

    @TempDir
    Path dir;

    private final DiskFaults faults = new DiskFaults();

    static Stream<Arguments> faults() {
        return Stream.of(Point.WRITE, Point.TORN_WRITE, Point.FORCE)
                .flatMap(p -> Stream.of(Arguments.of(p, DiskFaults.noSpace()), Arguments.of(p, DiskFaults.ioError())));
    }

    @ParameterizedTest(name = "{1} at {0}")
    @MethodSource("faults")
    void fault_claimFailsAndGrantsNothing_nextClaimGrantedAndKeptAcrossARestart(Point at, IOException error)
            throws Exception {
        long a;
        long c;
        try (EpochGrants grants = EpochGrants.open(dir, CLOCK, faults::open)) {
            a = granted(grants.claim("edge-a", 0));

            faults.failAt(at, EpochGrants.FILE_NAME, error);
            assertThatThrownBy(() -> grants.claim("edge-b", 0))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining(error.getMessage());
            assertThat(grants.current("edge-b")).isZero();

            faults.clear();
            c = granted(grants.claim("edge-c", 0));
        }
        try (EpochGrants grants = EpochGrants.open(dir, CLOCK)) {
            assertThat(grants.current("edge-a")).isEqualTo(a);
            assertThat(grants.current("edge-c"))
                    .as("announced after the failure")
                    .isEqualTo(c);
            assertThat(grants.current("edge-b")).as("never granted").isZero();
        }
    }

    private static long granted(Claim claim) {
        assertThat(claim).isInstanceOf(Claim.Granted.class);
        return ((Claim.Granted) claim).grant();
    }
}
