package io.tributary.protocol.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MetricsHttpServerTest {

    private final AtomicBoolean healthy = new AtomicBoolean(true);
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private MetricsHttpServer server;

    @BeforeEach
    void start() throws Exception {
        server = MetricsHttpServer.start(
                "127.0.0.1",
                0,
                () -> "# TYPE up gauge\nup 1\n",
                () -> new MetricsHttpServer.Health(healthy.get(), "{\"status\":\"" + healthy.get() + "\"}"));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private HttpResponse<String> send(String method, String path) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .timeout(Duration.ofSeconds(5))
                .method(method, HttpRequest.BodyPublishers.noBody())
                .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void metrics_get_prometheusText() throws Exception {
        assertAnswer(
                send("GET", "/metrics"), 200, "text/plain; version=0.0.4; charset=utf-8", "# TYPE up gauge\nup 1\n");
    }

    @Test
    void health_healthyOrNot_200Or503WithJson() throws Exception {
        assertAnswer(send("GET", "/health"), 200, "application/json", "{\"status\":\"true\"}");
        healthy.set(false);
        assertAnswer(send("GET", "/health"), 503, "application/json", "{\"status\":\"false\"}");
    }

    @Test
    void head_statusAndTypeWithoutBody() throws Exception {
        assertAnswer(send("HEAD", "/health"), 200, "application/json", "");
    }

    private static void assertAnswer(HttpResponse<String> r, int status, String type, String body) {
        assertThat(r.statusCode()).isEqualTo(status);
        assertThat(r.headers().firstValue("Content-Type")).hasValue(type);
        assertThat(r.body()).isEqualTo(body);
    }

    @Test
    void otherMethodsAndPaths_405And404() throws Exception {
        assertThat(send("POST", "/metrics").statusCode()).isEqualTo(405);
        HttpResponse<String> r = send("GET", "/nothing");
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(r.body()).contains("/metrics", "/health");
    }

    @Test
    void pathsThatOnlyStartLikeOurs_404() throws Exception {
        healthy.set(true);
        for (String path : new String[] {"/healthz", "/health/", "/metricsx", "/metrics/more"}) {
            assertThat(send("GET", path).statusCode()).as(path).isEqualTo(404);
        }
    }

    @Test
    void address_portBound() {
        assertThat(server.port()).isPositive().isEqualTo(server.address().getPort());
    }
}
