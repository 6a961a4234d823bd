package io.tributary.edge.mqtt;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;

/**
 * Child JVM of {@link RetainedCrashIT} and {@link SessionCrashIT}: an MQTT server with durable retained messages and
 * persistent sessions in {@code args[0]} (journals compacted past 8 KiB), every topic local, anonymous clients
 * allowed. Prints {@code READY <port> <retained rebuilds> <session rebuilds>} on stdout once it listens (how many
 * times opening its state rebuilt each MapDB view), then runs until killed; SIGTERM closes it cleanly.
 */
public final class RetainedCrashChild {

    private RetainedCrashChild() {}

    public static void main(String[] args) throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        MqttServer server = new MqttServer(
                MqttServerConfig.builder()
                        .host("127.0.0.1")
                        .port(0)
                        .ioThreads(2)
                        .allowAnonymous(true)
                        .forward(List.of())
                        .stateDirectory(Path.of(args[0]))
                        .retainedCompactBytes(8 * 1024) // compactions between kills, too
                        .sessionLimits(
                                new SessionLimits(100, 1000, 1024 * 1024, SessionLimits.Policy.DROP_OLDEST, 8 * 1024))
                        .build(),
                (user, password) -> false,
                publish -> CompletableFuture.completedFuture(SinkResult.STORED),
                registry);
        server.start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }));
        double rebuilds = registry.find("tributary.edge.mqtt.retained.rebuilds").counters().stream()
                .mapToDouble(c -> c.count())
                .sum();
        double sessionRebuilds = registry.find("tributary.edge.mqtt.sessions.rebuilds").counters().stream()
                .mapToDouble(c -> c.count())
                .sum();
        System.out.println("READY " + server.plainAddress().orElseThrow().getPort() + " " + (long) rebuilds + " "
                + (long) sessionRebuilds);
        System.out.flush();
        stopped.await();
    }
}
