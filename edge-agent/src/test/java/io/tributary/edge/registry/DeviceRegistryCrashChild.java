package io.tributary.edge.registry;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Child JVM of {@link DeviceRegistryCrashIT}: opens the registry in {@code args[0]}, prints {@code BASE <n>} (publishes
 * stored), then notes publishes for 50 devices without end, flushing every 100 and printing {@code FLUSHED <n>} (the
 * total made durable) after each flush returns, until it is killed.
 */
public final class DeviceRegistryCrashChild {
    private DeviceRegistryCrashChild() {}

    public static void main(String[] args) throws Exception {
        DeviceRegistry r = DeviceRegistry.open(Path.of(args[0]), new SimpleMeterRegistry(), Duration.ofHours(1));
        long base = r.devices().stream().mapToLong(DeviceInfo::publishes).sum();
        System.out.println("BASE " + base);
        System.out.flush();
        for (long i = 1; ; i++) {
            r.onPublish(
                    "g" + (i % 5),
                    "d" + (i % 50),
                    "c" + (i % 7),
                    "m" + (i % 3),
                    ("{\"v\":" + i + "}").getBytes(StandardCharsets.UTF_8),
                    System.currentTimeMillis());
            if (i % 100 == 0) {
                r.flush();
                System.out.println("FLUSHED " + (base + i));
                System.out.flush();
            }
        }
    }
}
