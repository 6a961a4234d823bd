package io.tributary.hub;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.hub.client.Producer;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.testsupport.HeadlessChromium;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hub console in headless Chromium: a hub with a 4-shard stream, records and a producer connected whose id is
 * markup. After the page's scripts ran (several polls), the DOM holds the stream, every shard, a uPlot chart canvas
 * and the producer id as text, never as an element. The screenshot is kept in {@code target/console-screenshots/}.
 * Skipped without Chromium, failed without it under {@code CI=true}.
 */
class HubConsoleBrowserIT {
    /** An id a hostile producer may choose: markup with a script handler. */
    private static final String HOSTILE_ID = "<img src=x onerror=document.title='owned'>";

    @TempDir
    Path dir;

    @Test
    void console_inHeadlessChromium_showsStreamsShardsAndChartsAndEscapesNames() throws Exception {
        HeadlessChromium chromium = HeadlessChromium.findOrSkip(Files.createDirectories(dir.resolve("chromium")));
        try (Hub hub = Hub.start(TestHubs.config(dir.resolve("hub"), Map.of("metrics-port", "0")));
                ClientResources resources = new ClientResources(1)) {
            TestHubs.createStream(resources, TestHubs.client(hub.port()), "telemetry", 4);
            try (Producer producer = Producer.create(
                    resources, TestHubs.client(hub.port()), TestHubs.producer("telemetry", HOSTILE_ID, 20))) {
                for (int i = 0; i < 400; i++) {
                    producer.put("plant-" + i % 16, ("r" + i).getBytes(StandardCharsets.UTF_8));
                }
                producer.flush().get(20, TimeUnit.SECONDS);
                URI console = URI.create("http://127.0.0.1:" + hub.metricsPort().orElseThrow() + "/console/");

                String dom = chromium.dumpDom(console, 7_000);

                assertThat(dom)
                        .contains("Tributary hub <span id=\"hub-id\">"
                                + hub.config().hubId())
                        .contains("data-stream=\"telemetry\"")
                        .contains("shard-000000", "shard-000001", "shard-000002", "shard-000003")
                        .contains("0xc000000000000000 – 0xffffffffffffffff")
                        .contains("Ingest per shard (records/s)")
                        .contains("<canvas")
                        .contains("&lt;img src=x onerror=document.title='owned'&gt;")
                        .doesNotContain("<img src=\"x\"")
                        .doesNotContain("<title>owned</title>")
                        .contains("class=\"ok\">updated"); // the last poll succeeded
                // a link to a stream that does not exist shows the first stream instead of an error
                assertThat(chromium.dumpDom(URI.create(console + "#no-such-stream"), 5_000))
                        .contains("Stream <span id=\"stream-name\">telemetry</span>")
                        .contains("class=\"ok\">updated");
                Path png = Path.of("target/console-screenshots/hub.png");
                chromium.screenshot(console, 7_000, png);
                assertThat(Files.size(png)).isGreaterThan(10_000);
            }
        }
    }
}
