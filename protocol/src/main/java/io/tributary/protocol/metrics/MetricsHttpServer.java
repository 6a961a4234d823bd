package io.tributary.protocol.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.tributary.protocol.console.Console;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hub's and the edge's metrics endpoint, on the JDK's built-in {@code com.sun.net.httpserver} (module {@code
 * jdk.httpserver}, no library): {@code GET /metrics} (Prometheus text) and {@code GET /health} (JSON; 200 when
 * healthy, 503 otherwise), and with a {@link Console} the web console under {@code /console/} and its JSON API under
 * {@code /api/} ({@code /} then redirects to {@code /console/}); any other path is a 404 naming what there is.
 * {@code HEAD} is answered like {@code GET}, other methods get 405. Two daemon threads serve requests, so that a slow
 * console request does not hold up a health probe.
 *
 * <p>Thread rules: {@link #start} and {@link #close} from any one thread; the suppliers are called on the server
 * thread.
 */
public final class MetricsHttpServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MetricsHttpServer.class);

    /** A health answer: whether all is well, and a JSON document saying why. */
    public record Health(boolean healthy, String json) {}

    private final HttpServer server;
    private final ExecutorService executor;

    private MetricsHttpServer(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /** Binds {@code host:port} (0 for any free port) and starts serving. */
    public static MetricsHttpServer start(String host, int port, Supplier<String> scrape, Supplier<Health> health)
            throws IOException {
        return start(host, port, scrape, health, Optional.empty());
    }

    /** Binds {@code host:port} (0 for any free port) and starts serving, with the web console when one is given. */
    public static MetricsHttpServer start(
            String host, int port, Supplier<String> scrape, Supplier<Health> health, Optional<Console> console)
            throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 16);
        AtomicInteger threads = new AtomicInteger();
        ExecutorService executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "tributary-metrics-http-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext(
                "/metrics",
                exact("/metrics", ex -> respond(ex, 200, "text/plain; version=0.0.4; charset=utf-8", scrape.get())));
        server.createContext("/health", exact("/health", ex -> {
            Health h = health.get();
            respond(ex, h.healthy() ? 200 : 503, "application/json", h.json());
        }));
        if (console.isPresent()) {
            server.createContext("/console", console.get()::handle);
            server.createContext("/api", console.get()::handle);
            server.createContext("/", ex -> {
                if (ex.getRequestURI().getRawPath().equals("/")) {
                    ex.getResponseHeaders().set("Location", "/console/");
                    respond(ex, 302, "text/plain", "see /console/\n");
                } else {
                    respond(ex, 404, "text/plain", "try /console/, /metrics or /health\n");
                }
            });
        } else {
            server.createContext("/", ex -> respond(ex, 404, "text/plain", "try /metrics or /health\n"));
        }
        server.start();
        log.info(
                "metrics on http://{}:{}/metrics, health on /health{}",
                host,
                server.getAddress().getPort(),
                console.isPresent() ? ", console on /console/" : "");
        return new MetricsHttpServer(server, executor);
    }

    /**
     * The JDK server matches contexts by prefix, so {@code /healthz} or {@code /metrics/x} would reach these handlers:
     * a probe or scraper with a typo must get 404, not a healthy answer.
     */
    private static HttpHandler exact(String path, HttpHandler handler) {
        return ex -> {
            if (ex.getRequestURI().getRawPath().equals(path)) {
                handler.handle(ex);
            } else {
                respond(ex, 404, "text/plain", "try /metrics or /health\n");
            }
        };
    }

    private static void respond(HttpExchange ex, int status, String type, String body) throws IOException {
        try (ex) {
            boolean head = "HEAD".equals(ex.getRequestMethod());
            if (!head && !"GET".equals(ex.getRequestMethod())) {
                ex.sendResponseHeaders(405, -1);
                return;
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", type);
            if (head) {
                ex.sendResponseHeaders(status, -1);
                return;
            }
            ex.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
