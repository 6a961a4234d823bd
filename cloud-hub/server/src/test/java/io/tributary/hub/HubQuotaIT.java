package io.tributary.hub;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.hub.client.Producer;
import io.tributary.hub.client.PutResult;
import io.tributary.hub.client.core.ClientResources;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A producer over its agent quota is throttled, not refused: it slows down and everything is acknowledged. */
class HubQuotaIT {
    @TempDir
    Path dir;

    @Test
    void put_overTheRecordQuota_isThrottledAndEventuallyAcknowledged() throws Exception {
        int records = 300;
        try (Hub hub = Hub.start(TestHubs.config(dir, Map.of("quota.records-per-second", "100")));
                ClientResources resources = new ClientResources(1)) {
            TestHubs.createStream(resources, TestHubs.client(hub.port()), "slow", 2);
            long started = System.nanoTime();
            List<CompletableFuture<PutResult>> futures = new ArrayList<>();
            try (Producer producer =
                    Producer.create(resources, TestHubs.client(hub.port()), TestHubs.producer("slow", "chatty", 10))) {
                for (int i = 0; i < records; i++) {
                    futures.add(producer.put("k" + i % 3, ("r" + i).getBytes(StandardCharsets.UTF_8)));
                }
                CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new))
                        .get(30, TimeUnit.SECONDS);
            }
            long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

            assertThat(futures).allSatisfy(f -> assertThat(f.join().sequence()).isNotNegative());
            assertThat(hub.registry().get("tributary.hub.throttles").counter().count())
                    .isPositive();
            // One second's burst, then 100 records a second: the 200 beyond the burst take about 2 s.
            assertThat(elapsedMs)
                    .as("time to deliver %d records at 100/s", records)
                    .isGreaterThan(1500);
            assertThat(TestRecords.readStream(hub.store(), hub.streams().describe("slow")))
                    .hasSize(records);
        }
    }
}
