package io.tributary.protocol.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class FormatTest {

    @Test
    void sizesFormat_writesTheLargestExactBinaryUnit() {
        assertThat(Sizes.format(0)).isEqualTo("0");
        assertThat(Sizes.format(100)).isEqualTo("100");
        assertThat(Sizes.format(1536)).isEqualTo("1536");
        assertThat(Sizes.format(1024)).isEqualTo("1KiB");
        assertThat(Sizes.format(1 << 20)).isEqualTo("1MiB");
        assertThat(Sizes.format(256L << 20)).isEqualTo("256MiB");
        assertThat(Sizes.format(3L << 30)).isEqualTo("3GiB");
        assertThat(Sizes.format(2L << 40)).isEqualTo("2TiB");
    }

    @Test
    void sizesFormat_parsesBackToTheSameNumber() {
        for (long bytes : List.of(0L, 7L, 1536L, 1024L, 64L << 20, 5L << 40)) {
            assertThat(Sizes.parse(Sizes.format(bytes))).as("%d", bytes).isEqualTo(bytes);
        }
    }

    @Test
    void durationsFormat_writesTheLargestExactUnit() {
        assertThat(Durations.format(Duration.ZERO)).isEqualTo("0ms");
        assertThat(Durations.format(Duration.ofMillis(100))).isEqualTo("100ms");
        assertThat(Durations.format(Duration.ofMillis(1500))).isEqualTo("1500ms");
        assertThat(Durations.format(Duration.ofSeconds(30))).isEqualTo("30s");
        assertThat(Durations.format(Duration.ofMinutes(5))).isEqualTo("5m");
        assertThat(Durations.format(Duration.ofHours(2))).isEqualTo("2h");
        assertThat(Durations.format(Duration.ofDays(7))).isEqualTo("7d");
        assertThat(Durations.format(Duration.ofNanos(500_000))).isEqualTo("PT0.0005S");
    }

    @Test
    void durationsFormat_parsesBackToTheSameDuration() {
        for (Duration d : List.of(
                Duration.ZERO,
                Duration.ofMillis(1),
                Duration.ofMillis(61_000),
                Duration.ofMinutes(90),
                Duration.ofDays(3),
                Duration.ofSeconds(-5),
                Duration.ofNanos(1))) {
            assertThat(Durations.parse(Durations.format(d))).as("%s", d).isEqualTo(d);
        }
    }
}
