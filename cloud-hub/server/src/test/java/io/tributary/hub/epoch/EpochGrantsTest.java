package io.tributary.hub.epoch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.hub.epoch.GrantTable.Claim;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EpochGrantsTest {
    private static final long UNIT = GrantTable.GRANT_UNIT;
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-04T00:00:00Z"), ZoneOffset.UTC);

    @TempDir
    Path dir;

    @Test
    void claim_withoutGrant_grantsAboveTheWallClockAndAboveEveryEarlierGrant() throws Exception {
        try (EpochGrants grants = EpochGrants.open(dir, CLOCK)) {
            long a = granted(grants.claim("edge-1", 0));
            long b = granted(grants.claim("edge-2", 0));
            assertThat(a % UNIT).isZero();
            assertThat(a).isGreaterThan(CLOCK.millis()); // wall-clock epochs of older producers never collide
            assertThat(b).isGreaterThan(a);
        }
    }

    @Test
    void claim_newInstanceOfAnId_fencesTheOlderOne() throws Exception {
        try (EpochGrants grants = EpochGrants.open(dir, CLOCK)) {
            long first = granted(grants.claim("edge-1", 0));
            Claim second = grants.claim("edge-1", 0);
            assertThat(second).isInstanceOf(Claim.Granted.class);
            assertThat(((Claim.Granted) second).superseded()).isEqualTo(first);
            long current = granted(second);
            assertThat(grants.claim("edge-1", first)).isEqualTo(new Claim.Fenced(current));
            assertThat(grants.claim("edge-1", current)).isEqualTo(new Claim.Granted(current, 0));
            assertThat(grants.isCurrent("edge-1", first)).isFalse();
            assertThat(grants.isCurrent("edge-1", current)).isTrue();
        }
    }

    @Test
    void claim_grantNewerThanKnown_isAdoptedAndLaterGrantsGoAboveIt() throws Exception {
        try (EpochGrants grants = EpochGrants.open(dir, CLOCK)) {
            long foreign = 1_000_000 * UNIT;
            assertThat(granted(grants.claim("edge-9", foreign))).isEqualTo(foreign);
            assertThat(granted(grants.claim("other", 0))).isGreaterThan(foreign);
        }
    }

    @Test
    void claim_epochThatIsNoGrant_isRefused() throws Exception {
        try (EpochGrants grants = EpochGrants.open(dir, CLOCK)) {
            assertThatThrownBy(() -> grants.claim("edge-1", 42)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> grants.claim("edge-1", -UNIT)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void reopen_remembersEveryGrant() throws Exception {
        long first;
        long second;
        try (EpochGrants grants = EpochGrants.open(dir, CLOCK)) {
            first = granted(grants.claim("edge-1", 0));
            second = granted(grants.claim("edge-1", 0));
        }
        try (EpochGrants grants = EpochGrants.open(dir, CLOCK)) {
            assertThat(grants.current("edge-1")).isEqualTo(second);
            assertThat(grants.claim("edge-1", first)).isInstanceOf(Claim.Fenced.class);
            assertThat(granted(grants.claim("edge-2", 0))).isGreaterThan(second);
        }
    }

    @Test
    void reopen_afterATornLastEntry_keepsTheWholeOnesAndCutsTheTail() throws Exception {
        Path file = dir.resolve(EpochGrants.FILE_NAME);
        long kept;
        long afterFirst;
        try (EpochGrants grants = EpochGrants.open(dir, CLOCK)) {
            kept = granted(grants.claim("edge-1", 0));
            afterFirst = Files.size(file);
            granted(grants.claim("edge-2", 0));
        }
        byte[] whole = Files.readAllBytes(file);
        for (int length = (int) afterFirst; length < whole.length; length++) {
            Files.write(file, Arrays.copyOf(whole, length));
            try (EpochGrants grants = EpochGrants.open(dir, CLOCK)) {
                assertThat(grants.current("edge-1")).as("torn at %d", length).isEqualTo(kept);
                assertThat(grants.current("edge-2")).as("torn at %d", length).isZero();
            }
            assertThat(Files.size(file)).as("the torn tail is cut").isEqualTo(afterFirst);
        }
    }

    @Test
    void reopen_afterAFlippedBit_stopsAtTheDamagedEntry() throws Exception {
        Path file = dir.resolve(EpochGrants.FILE_NAME);
        long lost;
        try (EpochGrants grants = EpochGrants.open(dir, CLOCK)) {
            lost = granted(grants.claim("edge-1", 0));
        }
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length - 3] ^= 0x10; // inside the grant
        Files.write(file, bytes);
        // A grant the log forgot is not given again: new grants follow the clock, which moved on since.
        try (EpochGrants grants = EpochGrants.open(dir, Clock.offset(CLOCK, Duration.ofSeconds(1)))) {
            assertThat(grants.current("edge-1")).isZero();
            assertThat(granted(grants.claim("edge-1", 0))).isGreaterThan(lost);
        }
    }

    private static long granted(Claim claim) {
        assertThat(claim).isInstanceOf(Claim.Granted.class);
        return ((Claim.Granted) claim).grant();
    }
}
