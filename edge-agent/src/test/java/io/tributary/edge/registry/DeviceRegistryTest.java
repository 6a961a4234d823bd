package io.tributary.edge.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.testsupport.DiskFaults;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeviceRegistryTest {
    private static final Duration NEVER = Duration.ofHours(1); // flushes only when the test asks

    @TempDir
    Path dir;

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void publishes_countedWithFirstLastSeenAndLatestValuePerMetric() throws Exception {
        try (DeviceRegistry r = DeviceRegistry.open(dir, meters, NEVER)) {
            r.onPublish("g1", "d1", "c1", "temp", b("20.5"), 1_000);
            r.onPublish("g1", "d1", "c1", "hum", b("40"), 2_000);
            r.onPublish("g1", "d1", "c2", "temp", b("21.0"), 3_000);
            DeviceInfo d = r.device("d1").orElseThrow();
            assertThat(d.publishes()).isEqualTo(3);
            assertThat(d.firstSeenMs()).isEqualTo(1_000);
            assertThat(d.lastSeenMs()).isEqualTo(3_000);
            assertThat(d.clientId()).isEqualTo("c2");
            assertThat(d.lastValues().get("temp").text()).isEqualTo("21.0");
            assertThat(d.lastValues().get("hum").timeMs()).isEqualTo(2_000);
            assertThat(r.size()).isEqualTo(1);
            assertThat(meters.get("tributary.edge.registry.devices").gauge().value())
                    .isEqualTo(1.0);
        }
    }

    @Test
    void flushAndReopen_countsAddUp_idleDevicesLeaveTheHeap() throws Exception {
        try (DeviceRegistry r = DeviceRegistry.open(dir, meters, NEVER)) {
            r.onPublish("g", "a", "c", "m", b("1"), 10);
            r.onPublish("g", "b", "c", "m", b("1"), 10);
            r.flush();
            r.onPublish("g", "a", "c", "m", b("2"), 20);
            assertThat(r.device("a").orElseThrow().publishes()).isEqualTo(2);
            r.flush(); // b had nothing new: it is only in the store now
            assertThat(r.liveDevices()).isEqualTo(1);
            r.flush();
            assertThat(r.liveDevices()).isZero();
            assertThat(r.devices()).extracting(DeviceInfo::device).containsExactly("a", "b");
        }
        try (DeviceRegistry r = DeviceRegistry.open(dir, meters, NEVER)) {
            DeviceInfo a = r.device("a").orElseThrow();
            assertThat(a.publishes()).isEqualTo(2);
            assertThat(a.firstSeenMs()).isEqualTo(10);
            assertThat(a.lastSeenMs()).isEqualTo(20);
            assertThat(a.lastValues().get("m").text()).isEqualTo("2");
            r.onPublish("g", "a", "c", "m", b("3"), 30);
        } // close flushes
        try (DeviceRegistry r = DeviceRegistry.open(dir, meters, NEVER)) {
            assertThat(r.device("a").orElseThrow().publishes()).isEqualTo(3);
        }
        assertThat(meters.find("tributary.edge.registry.rebuilds").counters())
                .as("series at 0 from the start, none counted after clean closes")
                .hasSize(4)
                .allSatisfy(c -> assertThat(c.count()).isZero());
    }

    @Test
    void longAndBinaryValues_cut_andShownAsHex() throws Exception {
        try (DeviceRegistry r = DeviceRegistry.open(dir, meters, NEVER)) {
            r.onPublish("g", "d", "c", "long", b("x".repeat(500)), 1);
            r.onPublish("g", "d", "c", "bin", new byte[] {(byte) 0xff, 0, 1}, 1);
            DeviceInfo d = r.device("d").orElseThrow();
            assertThat(d.lastValues().get("long").text()).isEqualTo("x".repeat(128) + "…");
            assertThat(d.lastValues().get("bin").text()).isEqualTo("0xff0001");
        }
    }

    @Test
    void metricsPerDevice_bounded() throws Exception {
        try (DeviceRegistry r = DeviceRegistry.open(dir, meters, NEVER)) {
            for (int i = 0; i < DeviceRegistry.MAX_METRICS + 10; i++) {
                r.onPublish("g", "d", "c", "m" + i, b("v"), i);
            }
            r.flush();
            assertThat(r.device("d").orElseThrow().lastValues()).hasSize(DeviceRegistry.MAX_METRICS);
            assertThat(r.device("d").orElseThrow().publishes()).isEqualTo(DeviceRegistry.MAX_METRICS + 10);
        }
    }

    @Test
    void scheduledFlush_writesWithoutBeingAsked() throws Exception {
        try (DeviceRegistry r = DeviceRegistry.open(dir, meters, Duration.ofMillis(20))) {
            r.onPublish("g", "d", "c", "m", b("v"), 1);
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> r.liveDevices() == 0);
            assertThat(r.device("d").orElseThrow().publishes()).isEqualTo(1);
        }
    }

    @Test
    void flushFails_healthFailingAndCounted_changesKept_nextFlushWritesThem() throws Exception {
        DiskFaults disk = new DiskFaults();
        try (DeviceRegistry r = DeviceRegistry.open(dir, meters, NEVER, disk::open)) {
            r.onPublish("g", "d1", "c1", "t", new byte[] {1}, 1_000);
            disk.failAt(DiskFaults.Point.FORCE, "devices.journal", DiskFaults.ioError());
            org.assertj.core.api.Assertions.assertThatThrownBy(r::flush).isInstanceOf(java.io.IOException.class);
            assertThat(r.health().status().ok()).isFalse();
            assertThat(meters.get("tributary.edge.state.write.failures")
                            .tag("store", "registry")
                            .counter()
                            .count())
                    .isEqualTo(1);
            disk.clear();
            r.flush();
            assertThat(r.health().status().ok()).isTrue();
        }
        try (DeviceRegistry r = DeviceRegistry.open(dir, meters, NEVER)) {
            assertThat(r.device("d1"))
                    .hasValueSatisfying(d -> assertThat(d.publishes()).isEqualTo(1));
        }
    }
}
