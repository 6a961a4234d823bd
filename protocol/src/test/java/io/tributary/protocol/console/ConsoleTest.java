package io.tributary.protocol.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.protocol.json.Json;
import io.tributary.protocol.metrics.MetricsHttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The console on a real metrics HTTP server, spoken to over raw sockets so that no client normalises the hostile
 * paths: static files, the API's routing, paging and errors, hostile input and authentication.
 */
class ConsoleTest {
    private static final List<String> NAMES = List.of("a", "b", "c", "d", "e");

    private final AtomicBoolean authEnabled = new AtomicBoolean(false);
    private final Map<String, AtomicInteger> answered = new ConcurrentHashMap<>();

    private int answered(String key) {
        AtomicInteger n = answered.get(key);
        return n == null ? 0 : n.get();
    }

    private MetricsHttpServer server;

    @BeforeEach
    void start() throws Exception {
        ConsoleApi api = request -> {
            if (request.segments().equals(List.of("names"))) {
                Page page = request.page(2);
                return Json.write(g -> {
                    g.writeStartObject();
                    page.write(g, NAMES, (w, n) -> w.writeString(n));
                    g.writeEndObject();
                });
            }
            if (request.segments().size() == 2 && request.segments().get(0).equals("echo")) {
                return Json.write(g -> {
                    g.writeStartObject();
                    g.writeStringField("name", request.segments().get(1));
                    g.writeEndObject();
                });
            }
            if (request.segments().equals(List.of("boom"))) {
                throw new IllegalStateException("a bug");
            }
            throw ApiError.notFound("no such resource");
        };
        Console.Authorizer auth = new Console.Authorizer() {
            @Override
            public boolean enabled() {
                return authEnabled.get();
            }

            @Override
            public boolean allows(Optional<HttpCredentials> c) {
                return c.flatMap(HttpCredentials::token).equals(Optional.of("t0ken"))
                        || c.flatMap(HttpCredentials::password).equals(Optional.of("pw"));
            }
        };
        Console console = Console.create(
                "io/tributary/protocol/console/test/",
                api,
                auth,
                (kind, status) -> answered.computeIfAbsent(kind + " " + status, k -> new AtomicInteger())
                        .incrementAndGet());
        server = MetricsHttpServer.start(
                "127.0.0.1", 0, () -> "up 1\n", () -> new MetricsHttpServer.Health(true, "{}"), Optional.of(console));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    /** One raw HTTP/1.1 request; the whole answer (status line, headers, body). */
    private String raw(String method, String target, String... headers) throws IOException {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(10_000);
            StringBuilder req = new StringBuilder(method + " " + target + " HTTP/1.1\r\nHost: localhost\r\n");
            for (String h : headers) {
                req.append(h).append("\r\n");
            }
            req.append("Connection: close\r\n\r\n");
            OutputStream out = s.getOutputStream();
            out.write(req.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static int status(String answer) {
        return Integer.parseInt(answer.substring(9, 12));
    }

    @Test
    void page_and_assets_areServedWithAContentSecurityPolicy() throws Exception {
        String page = raw("GET", "/console/");
        assertThat(status(page)).isEqualTo(200);
        assertThat(page)
                .containsIgnoringCase("Content-type: text/html")
                .containsIgnoringCase("Content-security-policy: default-src 'none'; script-src 'self'")
                .containsIgnoringCase("X-content-type-options: nosniff")
                .contains("<title>test console</title>");
        assertThat(raw("GET", "/console/uPlot.iife.min.js"))
                .startsWith("HTTP/1.1 200")
                .contains("uPlot");
        assertThat(raw("GET", "/console/console.js")).startsWith("HTTP/1.1 200").contains("const TC");
        assertThat(status(raw("GET", "/console/console.css"))).isEqualTo(200);
        assertThat(status(raw("GET", "/console/app.js"))).isEqualTo(200);
        assertThat(raw("GET", "/console")).startsWith("HTTP/1.1 302").containsIgnoringCase("Location: /console/");
        assertThat(raw("GET", "/")).startsWith("HTTP/1.1 302").containsIgnoringCase("Location: /console/");
        assertThat(status(raw("GET", "/metrics"))).isEqualTo(200);
        // counted by a listener that runs after the answer is written: the last count may come a moment later
        await().atMost(Duration.ofSeconds(5)).until(() -> answered("page 200") == 5);
    }

    @Test
    void unknownPaths_are404() throws Exception {
        assertThat(status(raw("GET", "/console/secret.txt"))).isEqualTo(404);
        assertThat(status(raw("GET", "/console/META-INF/MANIFEST.MF"))).isEqualTo(404);
        assertThat(status(raw("GET", "/consolex"))).isEqualTo(404);
        assertThat(status(raw("GET", "/nothing"))).isEqualTo(404);
        String api = raw("GET", "/api/nothing");
        assertThat(status(api)).isEqualTo(404);
        assertThat(api).containsIgnoringCase("application/json").endsWith("{\"error\":\"no such resource\"}");
        assertThat(status(raw("GET", "/apix"))).isEqualTo(404);
    }

    @Test
    void pathTraversal_isRefusedBeforeAnythingIsLookedUp() throws Exception {
        for (String target : List.of(
                "/console/../../../etc/passwd",
                "/console/%2e%2e/%2E%2E/etc/passwd",
                "/console/./index.html",
                "/console/..%2f..%2fetc%2fpasswd",
                "/console/..%5c..%5cetc",
                "/console/a\\..\\b",
                "/console//etc/passwd",
                "/console/index.html%00.js",
                "/api/echo/..",
                "/api/echo/%2e%2e",
                "/api/echo/a%2Fb")) {
            String answer = raw("GET", target);
            assertThat(status(answer)).as(target).isEqualTo(400);
            assertThat(answer).as(target).doesNotContain("root:");
        }
    }

    @Test
    void longUrls_areRefused() throws Exception {
        String name = "x".repeat(Console.MAX_URI_LENGTH);
        assertThat(status(raw("GET", "/api/echo/" + name))).isEqualTo(414);
        assertThat(status(raw("GET", "/console/?q=" + name))).isEqualTo(414);
        assertThat(status(raw("GET", "/api/echo/" + "y".repeat(1000)))).isEqualTo(200);
    }

    @Test
    void onlyGetAndHead_theConsoleIsReadOnly() throws Exception {
        for (String method : List.of("POST", "PUT", "DELETE", "PATCH")) {
            String answer = raw(method, "/api/names");
            assertThat(status(answer)).as(method).isEqualTo(405);
            assertThat(answer).containsIgnoringCase("Allow: GET, HEAD");
        }
        String head = raw("HEAD", "/api/names");
        assertThat(status(head)).isEqualTo(200);
        assertThat(head).doesNotContain("items");
    }

    @Test
    void api_decodesNames_pagesLists_andRefusesBadParameters() throws Exception {
        assertThat(raw("GET", "/api/echo/%3Cb%20onclick%3D%22x()%22%3E"))
                .endsWith("{\"name\":\"<b onclick=\\\"x()\\\">\"}");
        assertThat(raw("GET", "/api/names")).endsWith("{\"total\":5,\"offset\":0,\"limit\":2,\"items\":[\"a\",\"b\"]}");
        assertThat(raw("GET", "/api/names?offset=4&limit=2"))
                .endsWith("{\"total\":5,\"offset\":4,\"limit\":2,\"items\":[\"e\"]}");
        assertThat(raw("GET", "/api/names?offset=9")).endsWith("\"items\":[]}");
        assertThat(raw("GET", "/api/names?limit=0")).startsWith("HTTP/1.1 400").contains("limit must be between");
        assertThat(status(raw("GET", "/api/names?limit=" + (Page.MAX_LIMIT + 1))))
                .isEqualTo(400);
        assertThat(raw("GET", "/api/names?offset=-1")).startsWith("HTTP/1.1 400");
        assertThat(raw("GET", "/api/names?offset=ten"))
                .startsWith("HTTP/1.1 400")
                .contains("must be a number");
        assertThat(raw("GET", "/api/names?" + "p=1&".repeat(ApiRequest.MAX_PARAMETERS + 1)))
                .startsWith("HTTP/1.1 400");
        // refused by the JDK's server before the console sees it
        assertThat(raw("GET", "/api/echo/%zz")).startsWith("HTTP/1.1 400");
        String boom = raw("GET", "/api/boom");
        assertThat(status(boom)).isEqualTo(500);
        assertThat(boom).contains("internal error");
        // counted by a listener that runs after the answer is written: the last count may come a moment later
        await().atMost(Duration.ofSeconds(5)).until(() -> answered("api 400") == 5);
    }

    @Test
    void withAuthentication_everyConsoleRequestNeedsAcceptedCredentials() throws Exception {
        authEnabled.set(true);
        String refused = raw("GET", "/api/names");
        assertThat(status(refused)).isEqualTo(401);
        assertThat(refused).containsIgnoringCase("WWW-authenticate: Basic realm=\"tributary\"");
        assertThat(status(raw("GET", "/console/"))).isEqualTo(401);
        assertThat(status(raw("GET", "/api/names", "Authorization: Bearer wrong")))
                .isEqualTo(401);
        assertThat(status(raw("GET", "/api/names", "Authorization: Basic !!!"))).isEqualTo(401);
        assertThat(status(raw("GET", "/api/names", "Authorization: Bearer t0ken")))
                .isEqualTo(200);
        String basic = Base64.getEncoder().encodeToString("ops:pw".getBytes(StandardCharsets.UTF_8));
        assertThat(status(raw("GET", "/console/", "Authorization: Basic " + basic)))
                .isEqualTo(200);
        // metrics and health stay open, as before the console
        assertThat(status(raw("GET", "/metrics"))).isEqualTo(200);
        assertThat(status(raw("GET", "/health"))).isEqualTo(200);
        // counted by a listener that runs after the answer is written: the last count may come a moment later
        await().atMost(Duration.ofSeconds(5)).until(() -> answered("api 401") == 3);
    }

    @Test
    void credentials_parseBearerAndBasic_andNothingElse() {
        assertThat(HttpCredentials.parse("Bearer abc").flatMap(HttpCredentials::token))
                .contains("abc");
        assertThat(HttpCredentials.parse("basic " + Base64.getEncoder().encodeToString("u:p:q".getBytes())))
                .hasValueSatisfying(c -> {
                    assertThat(c.user()).contains("u");
                    assertThat(c.password()).contains("p:q");
                });
        assertThat(HttpCredentials.parse(null)).isEmpty();
        assertThat(HttpCredentials.parse("Bearer")).isEmpty();
        assertThat(HttpCredentials.parse("Digest x")).isEmpty();
        assertThat(HttpCredentials.parse("Basic " + Base64.getEncoder().encodeToString("nocolon".getBytes())))
                .isEmpty();
    }
}
