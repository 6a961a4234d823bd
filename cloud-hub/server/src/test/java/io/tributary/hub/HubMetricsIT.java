package io.tributary.hub;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.hub.client.Producer;
import io.tributary.hub.client.core.ClientResources;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The metrics port serves Prometheus text with the hub's SLIs, and a JSON health document. */
class HubMetricsIT {
    @TempDir
    Path dir;

    @Test
    void metricsAndHealth_afterSomeIngest_exposeTheSlisAndStatusOk() throws Exception {
        try (Hub hub = Hub.start(TestHubs.config(dir, Map.of("metrics-port", "0")));
                ClientResources resources = new ClientResources(1)) {
            TestHubs.createStream(resources, TestHubs.client(hub.port()), "m", 2);
            try (Producer producer =
                    Producer.create(resources, TestHubs.client(hub.port()), TestHubs.producer("m", "metered", 5))) {
                for (int i = 0; i < 20; i++) {
                    producer.put("k" + i % 2, ("r" + i).getBytes(StandardCharsets.UTF_8));
                }
                producer.flush().get(20, TimeUnit.SECONDS);
            }
            int port = hub.metricsPort().orElseThrow();
            HttpClient http = HttpClient.newBuilder()
                    .connectTimeout(Duration.ofSeconds(5))
                    .build();

            HttpResponse<String> metrics = get(http, port, "/metrics");
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.headers().firstValue("Content-Type"))
                    .hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
            assertThat(metrics.body())
                    .contains("tributary_hub_batch_ack_seconds_bucket")
                    .contains("tributary_hub_batch_ack_seconds_count")
                    .contains("tributary_store_fsync")
                    .contains("tributary_shard_retained_bytes{")
                    .contains("tributary_hub_ingest_records_total")
                    .contains("tributary_hub_throttles_total");

            HttpResponse<String> health = get(http, port, "/health");
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.headers().firstValue("Content-Type")).contains("application/json");
            assertThat(health.body())
                    .contains("\"status\":\"ok\"")
                    .contains("\"shards_online\":2")
                    .contains("\"shards_offline\":[]");

            assertThat(get(http, port, "/nothing-here").statusCode()).isEqualTo(404);
        }
    }

    private static HttpResponse<String> get(HttpClient http, int port, String path) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .timeout(Duration.ofSeconds(10))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
