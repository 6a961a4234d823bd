package io.tributary.edge.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.testsupport.ChildJvms;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGKILLs a child JVM writing the device registry ({@link DeviceRegistryCrashChild}) 10 times at random points: after
 * each kill the registry opens (its MapDB view rebuilt from the journal when it cannot be proven current — never a
 * start-up failure) and holds at least every publish count a completed flush made durable.
 */
class DeviceRegistryCrashIT {
    private static final int KILLS = Integer.getInteger("tributary.registry.kills", 10);

    @TempDir
    Path dir;

    private String childLog() {
        try {
            return java.nio.file.Files.readString(dir.resolve("child.err"));
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }

    @Test
    void sigkillWhileFlushing_registryOpens_withEveryFlushedCount() throws Exception {
        SplittableRandom random = new SplittableRandom(11);
        long durable = 0;
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        for (int kill = 0; kill < KILLS; kill++) {
            Process child = new ProcessBuilder(ChildJvms.command("64m", DeviceRegistryCrashChild.class, dir.toString()))
                    .redirectError(ProcessBuilder.Redirect.appendTo(
                            dir.resolve("child.err").toFile()))
                    .start();
            long flushed = -1;
            int stopAfter = 1 + random.nextInt(30);
            try (BufferedReader out =
                    new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                int flushes = 0;
                while ((line = out.readLine()) != null) {
                    if (line.startsWith("BASE ")) {
                        assertThat(Long.parseLong(line.substring(5)))
                                .as("start %d: what the last run made durable; child log:%n%s", kill, childLog())
                                .isGreaterThanOrEqualTo(durable);
                    } else if (line.startsWith("FLUSHED ")) {
                        flushed = Long.parseLong(line.substring(8));
                        if (++flushes >= stopAfter) {
                            break;
                        }
                    }
                }
            } finally {
                child.destroyForcibly();
            }
            assertThat(child.waitFor(30, TimeUnit.SECONDS))
                    .as("child %d gone after SIGKILL", kill)
                    .isTrue();
            assertThat(flushed).as("child %d flushed (see child.err)", kill).isPositive();
            try (DeviceRegistry r = DeviceRegistry.open(dir, meters, Duration.ofHours(1))) {
                long stored =
                        r.devices().stream().mapToLong(DeviceInfo::publishes).sum();
                assertThat(stored)
                        .as("after kill %d; child log:%n%s", kill, childLog())
                        .isGreaterThanOrEqualTo(flushed);
                assertThat(r.size()).isEqualTo(50);
                durable = stored;
            }
        }
        double rebuilds = meters.find("tributary.edge.registry.rebuilds").counters().stream()
                .mapToDouble(Counter::count)
                .sum();
        System.out.printf(
                "device registry: %d kills, %.0f view rebuilds, %d publishes durable%n", KILLS, rebuilds, durable);
        assertThat(rebuilds).as("a killed writer's view is never trusted").isGreaterThanOrEqualTo(KILLS);
    }
}
