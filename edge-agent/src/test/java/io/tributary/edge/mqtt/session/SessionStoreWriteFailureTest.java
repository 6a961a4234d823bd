package io.tributary.edge.mqtt.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.testsupport.DiskFaults;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A session journal that cannot be written refuses the change (the CONNACK / SUBACK waiting for it fails), says so in
 * its {@link io.tributary.edge.state.WriteHealth} and counts it; the next write that reaches disk makes it healthy.
 */
class SessionStoreWriteFailureTest {

    @TempDir
    Path dir;

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @Test
    void journalWriteFails_changeRefused_healthFailingAndCounted_untilAWriteSucceeds() throws Exception {
        DiskFaults disk = new DiskFaults();
        try (SessionStore store = SessionStore.open(dir, 1L << 40, registry, disk::open)) {
            store.create("c1", 60, List.of()).get();
            disk.failAt(DiskFaults.Point.WRITE, SessionStore.JOURNAL, DiskFaults.noSpace());
            assertThat(store.create("c2", 60, List.of())).failsWithin(Duration.ofSeconds(10));
            assertThat(store.health().status().ok()).isFalse();
            assertThat(store.health().status().lastError()).contains("No space left on device");
            assertThat(registry.get("tributary.edge.state.write.failures")
                            .tag("store", "sessions")
                            .counter()
                            .count())
                    .isEqualTo(1);

            disk.clear();
            store.create("c3", 60, List.of()).get();
            assertThat(store.health().status().ok()).isTrue();
        }
        try (SessionStore reopened = SessionStore.open(dir, 1L << 40, registry)) {
            assertThat(reopened.restored()).extracting(StoredSession::clientId).containsExactlyInAnyOrder("c1", "c3");
        }
    }
}
