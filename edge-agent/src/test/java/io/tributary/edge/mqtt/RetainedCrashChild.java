package io.tributary.edge.mqtt;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;

/**
 * Child JVM of {@link RetainedCrashIT}: an MQTT server with durable retained messages in {@code args[0]} (journal
 * compacted past 8 KiB), every topic local, anonymous clients allowed. Prints {@code READY <port> <rebuilds>} on stdout once it listens ({@code
 * rebuilds}: how many times opening its state rebuilt the MapDB view), then runs until killed; SIGTERM closes it
 * cleanly.
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
        System.out.println("READY " + server.plainAddress().orElseThrow().getPort() + " " + (long) rebuilds);
        System.out.flush();
        stopped.await();
    }
}
