package io.tributary.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tributary.protocol.fs.DirectoryLockedException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One hub per data dir: a second hub on the same {@code --data-dir} (in this process or another) refuses to start and
 * names the holder, instead of overwriting what the first acknowledged; once the holder stops — or is killed — a new
 * hub starts.
 */
class HubDataDirLockIT {
    @TempDir
    Path dir;

    private final List<Process> children = new ArrayList<>();

    @AfterEach
    void killChildren() throws InterruptedException {
        for (Process p : children) {
            p.destroyForcibly();
            p.waitFor(20, TimeUnit.SECONDS);
        }
    }

    @Test
    void secondHubInThisProcess_isRefusedNamingTheHolder_untilTheFirstStops() throws Exception {
        Path data = dir.resolve("data");
        try (Hub first = Hub.start(TestHubs.config(data, Map.of()))) {
            assertThatThrownBy(() -> Hub.start(TestHubs.config(data, Map.of())))
                    .isInstanceOf(DirectoryLockedException.class)
                    .hasMessageContaining("hub data dir " + data + " is already open")
                    .hasMessageContaining("pid " + ProcessHandle.current().pid() + " on ");
            assertThat(first.streams().list()).isEmpty(); // the first keeps running
        }
        Hub.start(TestHubs.config(data, Map.of())).close();
    }

    @Test
    void hubCommandOnALockedDir_exitsNonZeroNamingTheHolder_andAKilledHolderFreesIt() throws Exception {
        Path data = dir.resolve("data");
        Process holder = startHubCommand(data, "holder");
        Path holderOut = dir.resolve("holder.out");
        await().atMost(Duration.ofSeconds(60))
                .until(() -> Files.readString(holderOut).contains("\"event\":\"ready\"") || !holder.isAlive());
        assertThat(holder.isAlive()).as("the first hub runs").isTrue();
        String named = "pid " + holder.pid() + " on ";

        assertThatThrownBy(() -> Hub.start(TestHubs.config(data, Map.of())))
                .isInstanceOf(DirectoryLockedException.class)
                .hasMessageContaining(named);

        Process second = startHubCommand(data, "second");
        assertThat(second.waitFor(60, TimeUnit.SECONDS))
                .as("the second hub exits")
                .isTrue();
        assertThat(second.exitValue()).isNotZero();
        String stderr = Files.readString(dir.resolve("second.err"), StandardCharsets.UTF_8);
        assertThat(stderr)
                .contains("tributary hub: cannot start: hub data dir")
                .contains("is already open")
                .contains(named);
        // The test class path's logback logs to stderr too: the ERROR line is there.
        assertThat(stderr.lines().filter(l -> l.contains("ERROR") && l.contains(named)))
                .as("the log")
                .isNotEmpty();

        holder.destroyForcibly();
        assertThat(holder.waitFor(20, TimeUnit.SECONDS)).isTrue();
        Hub.start(TestHubs.config(data, Map.of())).close();
    }

    private Process startHubCommand(Path data, String name) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(HubProcesses.hub(data, 0, name))
                .redirectOutput(dir.resolve(name + ".out").toFile())
                .redirectError(dir.resolve(name + ".err").toFile());
        pb.environment().put("TRIBUTARY_HUB_IO_THREADS", "1");
        Process p = pb.start();
        children.add(p);
        return p;
    }
}
