package io.tributary.bench.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** CPU times from {@code /proc/<pid>/stat}: the process's own and that of its children run to their end. */
class ProcStatsTest {
    private static final long SELF = ProcessHandle.current().pid();

    @Test
    void cpuSeconds_ofThisJvm_positiveAndNotDecreasing() {
        double first = ProcStats.cpuSeconds(SELF);
        double second = ProcStats.cpuSeconds(SELF);

        assertThat(first).isPositive();
        assertThat(second).isGreaterThanOrEqualTo(first);
    }

    @Test
    void exitedChildrenCpuSeconds_grow_onlyByChildrenThatEnded() throws Exception {
        double before = ProcStats.exitedChildrenCpuSeconds(SELF);
        // A child that burns about 0.3 s of CPU, then is waited for (which adds its time to ours).
        Process p = new ProcessBuilder("sh", "-c", "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done").start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();

        assertThat(before).isGreaterThanOrEqualTo(0);
        assertThat(ProcStats.exitedChildrenCpuSeconds(SELF)).isGreaterThan(before);
    }

    @Test
    void everyFigure_ofAProcessThatIsNotThere_negative() {
        long none = Long.MAX_VALUE;

        assertThat(ProcStats.cpuSeconds(none)).isNegative();
        assertThat(ProcStats.exitedChildrenCpuSeconds(none)).isNegative();
        assertThat(ProcStats.residentBytes(none)).isNegative();
    }
}
