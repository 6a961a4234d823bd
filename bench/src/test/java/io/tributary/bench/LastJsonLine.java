package io.tributary.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.testsupport.ChildJvms;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a command (a benchmark or the demo in a child JVM, as the launcher would) to its end and reads the flat JSON line
 * its stdout ends with, for tests; stdout and stderr go to files in a directory, stderr is shown when an assertion
 * fails.
 */
final class LastJsonLine {
    private LastJsonLine() {}

    /**
     * Runs {@code command}, asserts it exited 0 within {@code timeout} (else SIGTERM, so a demo or benchmark stops its
     * children, then SIGKILL), and returns the fields of its last stdout line.
     */
    static Map<String, String> of(List<String> command, Path dir, Duration timeout) throws Exception {
        Path out = dir.resolve("stdout");
        Path err = dir.resolve("stderr");
        Process p = new ProcessBuilder(command)
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        boolean exited = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (!exited) {
            ChildJvms.stop(p);
        }
        String stderr = Files.readString(err);
        assertThat(exited).as(stderr).isTrue();
        assertThat(p.exitValue()).as(stderr).isZero();
        List<String> lines = Files.readAllLines(out);
        assertThat(lines).as(stderr).isNotEmpty();
        return FlatJson.parse(lines.get(lines.size() - 1));
    }

    /** Asserts that {@code json} holds each of {@code prefix + key} as a plain number. */
    static void assertNumbers(Map<String, String> json, String prefix, String... keys) {
        for (String key : keys) {
            assertThat(json).containsKey(prefix + key);
            assertThat(json.get(prefix + key)).as(prefix + key).matches("-?\\d+(\\.\\d+)?");
        }
    }
}
