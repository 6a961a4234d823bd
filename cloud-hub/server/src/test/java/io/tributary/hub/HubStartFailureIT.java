package io.tributary.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A hub that fails half way through starting leaves nothing running: no threads, listeners or locks. */
class HubStartFailureIT {
    @TempDir
    Path dir;

    private static long hubThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive()
                        && (t.getName().startsWith("hub-worker")
                                || t.getName().startsWith("hub-scheduler")
                                || t.getName().startsWith("hub-checkpoints")
                                || t.getName().startsWith("hub-groups")))
                .count();
    }

    @Test
    void metricsPortTaken_startFails_andLeavesNothingRunning() throws Exception {
        long before = hubThreads();
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Map<String, String> flags = Map.of("metrics-port", Integer.toString(taken.getLocalPort()));
            assertThatThrownBy(() -> Hub.start(TestHubs.config(dir, flags))).isNotNull();
            await().atMost(Duration.ofSeconds(10)).until(() -> hubThreads() <= before);
        }
        // The data dir is free again and the same store opens cleanly.
        try (Hub hub = Hub.start(TestHubs.config(dir, Map.of()))) {
            assertThat(hub.port()).isPositive();
        }
    }

    @Test
    void storePulsarWithoutItsModule_startFailsSayingSo_andLeavesTheDataDirFree() throws Exception {
        assertThatThrownBy(() -> Hub.start(TestHubs.config(dir, Map.of("store", "pulsar"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("store 'pulsar' is not on the class path");
        try (Hub hub = Hub.start(TestHubs.config(dir, Map.of()))) {
            assertThat(hub.port()).isPositive();
        }
    }
}
