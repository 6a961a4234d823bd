package io.tributary.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Benchmarks start the edge with the launcher's defaults (the repository's deploy/config/edge.jvm.options). */
class LauncherJvmDefaultsTest {

    @Test
    void edgeDefaults_first_thenOwnOptions() {
        List<String> defaults = LauncherJvmDefaults.read("edge");
        assertThat(defaults).contains("-XX:+UseSerialGC").noneMatch(o -> o.contains("#") || o.isBlank());

        List<String> opts = LauncherJvmDefaults.withDefaults("edge", List.of("-Xmx64m"));
        assertThat(opts).endsWith("-Xmx64m").startsWith(defaults.toArray(String[]::new));
    }

    @Test
    void aCollectorOfOurOwn_replacesTheDefaultOne() {
        assertThat(LauncherJvmDefaults.withDefaults("edge", List.of("-XX:+UseG1GC")))
                .contains("-XX:+UseG1GC")
                .doesNotContain("-XX:+UseSerialGC");
    }

    @Test
    void aRoleWithoutOptionsFile_getsOnlyItsOwn() {
        assertThat(LauncherJvmDefaults.withDefaults("admin", List.of("-Xmx1g"))).containsExactly("-Xmx1g");
    }
}
