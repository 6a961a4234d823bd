package io.tributary.protocol.console;

import com.sun.net.httpserver.HttpExchange;
import io.tributary.protocol.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A read-only web console on the metrics HTTP server: a fixed set of static files ({@code /console/}: the page, its
 * script, the shared script and style, and uPlot from its WebJar) and a JSON API ({@code /api/...}, a
 * {@link ConsoleApi}). {@code GET} and {@code HEAD} only.
 *
 * <p>Hostile input: a request URI longer than {@value #MAX_URI_LENGTH} characters is refused (414); a path with
 * {@code .} or {@code ..} segments, backslashes, NULs or encoded slashes is refused (400) before anything is looked
 * up; only the listed files are served (everything else 404), so no path reaches the file system or the class path.
 * Pages carry a Content-Security-Policy that allows scripts and styles from this origin only, and the scripts put
 * every value into the page as text, never as markup.
 *
 * <p>Authentication: when the {@link Authorizer} is enabled, every console and API request needs credentials it
 * accepts ({@code Authorization: Bearer <token>} or {@code Basic}); otherwise 401 with a {@code Basic} challenge, so
 * that a browser shows its login prompt.
 *
 * <p>Thread rules: immutable after construction; {@link #handle} runs on the HTTP server's threads concurrently.
 */
public final class Console {
    private static final Logger log = LoggerFactory.getLogger(Console.class);

    /** Longest request URI (path and query) accepted. */
    public static final int MAX_URI_LENGTH = 2048;

    static final String COMMON = "io/tributary/protocol/console/";
    private static final String WEBJAR_POM = "META-INF/maven/org.webjars.npm/uplot/pom.properties";
    private static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
            + " connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    /** Decides whether a request's credentials let it see the console. Thread-safe. */
    public interface Authorizer {
        /** Whether credentials are required at all. */
        boolean enabled();

        /** Whether {@code credentials} (empty: none or malformed) are accepted; only called when enabled. */
        boolean allows(Optional<HttpCredentials> credentials);

        /** No authentication: everything is allowed. */
        Authorizer OPEN = new Authorizer() {
            @Override
            public boolean enabled() {
                return false;
            }

            @Override
            public boolean allows(Optional<HttpCredentials> credentials) {
                return true;
            }
        };
    }

    /** Told of every console request: {@code kind} is {@code page} or {@code api}, and the status answered. */
    @FunctionalInterface
    public interface Listener {
        void answered(String kind, int status);
    }

    private record Asset(String type, byte[] body) {}

    private final Map<String, Asset> assets;
    private final ConsoleApi api;
    private final Authorizer auth;
    private final Listener listener;

    private Console(Map<String, Asset> assets, ConsoleApi api, Authorizer auth, Listener listener) {
        this.assets = Map.copyOf(assets);
        this.api = api;
        this.auth = auth;
        this.listener = listener;
    }

    /**
     * A console whose page ({@code index.html}) and script ({@code app.js}) are the class path resources in
     * {@code resourceDir} (such as {@code "io/tributary/hub/console/"}), beside the shared {@code console.js},
     * {@code console.css} and uPlot.
     *
     * @throws IllegalStateException when a resource is missing from the class path (a broken build)
     */
    public static Console create(String resourceDir, ConsoleApi api, Authorizer auth, Listener listener) {
        String uplot = "META-INF/resources/webjars/uplot/" + uplotVersion() + "/dist/";
        Map<String, Asset> assets = new LinkedHashMap<>();
        assets.put("index.html", load(resourceDir + "index.html", "text/html; charset=utf-8"));
        assets.put("app.js", load(resourceDir + "app.js", "text/javascript; charset=utf-8"));
        assets.put("console.js", load(COMMON + "console.js", "text/javascript; charset=utf-8"));
        assets.put("console.css", load(COMMON + "console.css", "text/css; charset=utf-8"));
        assets.put("uPlot.iife.min.js", load(uplot + "uPlot.iife.min.js", "text/javascript; charset=utf-8"));
        assets.put("uPlot.min.css", load(uplot + "uPlot.min.css", "text/css; charset=utf-8"));
        return new Console(assets, api, auth, listener);
    }

    private static String uplotVersion() {
        Properties p = new Properties();
        try (InputStream in = Console.class.getClassLoader().getResourceAsStream(WEBJAR_POM)) {
            if (in == null) {
                throw new IllegalStateException("uPlot WebJar (org.webjars.npm:uplot) is not on the class path");
            }
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + WEBJAR_POM, e);
        }
        return p.getProperty("version");
    }

    private static Asset load(String resource, String type) {
        try (InputStream in = Console.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("console resource missing from the class path: " + resource);
            }
            return new Asset(type, in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read console resource " + resource, e);
        }
    }

    /** Serves a request under {@code /console} or {@code /api}; closes the exchange. */
    public void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String rawPath = ex.getRequestURI().getRawPath();
            boolean isApi = rawPath.startsWith("/api");
            String kind = isApi ? "api" : "page";
            int status = answer(ex, rawPath, isApi);
            listener.answered(kind, status);
        }
    }

    private int answer(HttpExchange ex, String rawPath, boolean isApi) throws IOException {
        String method = ex.getRequestMethod();
        if (!"GET".equals(method) && !"HEAD".equals(method)) {
            ex.getResponseHeaders().set("Allow", "GET, HEAD");
            return send(ex, 405, isApi, "the console is read-only: GET and HEAD only");
        }
        String rawUri = ex.getRequestURI().getRawPath()
                + (ex.getRequestURI().getRawQuery() == null
                        ? ""
                        : "?" + ex.getRequestURI().getRawQuery());
        if (rawUri.length() > MAX_URI_LENGTH) {
            return send(ex, 414, isApi, "request URI longer than " + MAX_URI_LENGTH + " characters");
        }
        if (!safePath(rawPath)) {
            return send(ex, 400, isApi, "path refused");
        }
        if (auth.enabled()
                && !auth.allows(HttpCredentials.parse(ex.getRequestHeaders().getFirst("Authorization")))) {
            ex.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"tributary\", charset=\"UTF-8\"");
            return send(ex, 401, isApi, "credentials required: a token of the hub (Bearer) or a user and password");
        }
        return isApi ? api(ex, rawPath) : page(ex, rawPath);
    }

    /** No dot segments, backslashes, NULs or encoded separators anywhere in the raw path. */
    static boolean safePath(String rawPath) {
        String lower = rawPath.toLowerCase(Locale.ROOT);
        if (lower.contains("\\")
                || lower.contains("%5c")
                || lower.contains("%2f")
                || lower.contains("%00")
                || lower.contains("//")) {
            return false;
        }
        for (String segment : lower.split("/", -1)) {
            String s = segment.replace("%2e", ".");
            if (s.equals(".") || s.equals("..")) {
                return false;
            }
        }
        return true;
    }

    private int page(HttpExchange ex, String rawPath) throws IOException {
        if (rawPath.equals("/console")) {
            ex.getResponseHeaders().set("Location", "/console/");
            return send(ex, 302, false, "see /console/");
        }
        String name = rawPath.equals("/console/") ? "index.html" : rawPath.substring("/console/".length());
        Asset asset = rawPath.startsWith("/console/") ? assets.get(name) : null;
        if (asset == null) {
            return send(ex, 404, false, "not found; the console is at /console/");
        }
        securityHeaders(ex);
        ex.getResponseHeaders().set("Cache-Control", "no-cache");
        return write(ex, 200, asset.type(), asset.body());
    }

    private int api(HttpExchange ex, String rawPath) throws IOException {
        String below = rawPath.equals("/api") ? "" : rawPath.startsWith("/api/") ? rawPath.substring(5) : null;
        if (below == null) {
            return send(ex, 404, true, "not found");
        }
        String body;
        try {
            body = api.answer(ApiRequest.parse(below, ex.getRequestURI().getRawQuery()));
        } catch (ApiError e) {
            return send(ex, e.status(), true, e.getMessage());
        } catch (RuntimeException e) {
            log.warn("console API {} failed", rawPath, e);
            return send(ex, 500, true, "internal error: " + e);
        }
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        securityHeaders(ex);
        return write(ex, 200, "application/json; charset=utf-8", body.getBytes(StandardCharsets.UTF_8));
    }

    private static void securityHeaders(HttpExchange ex) {
        ex.getResponseHeaders().set("Content-Security-Policy", CSP);
        ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        ex.getResponseHeaders().set("X-Frame-Options", "DENY");
        ex.getResponseHeaders().set("Referrer-Policy", "no-referrer");
    }

    /** An error or redirect: JSON {@code {"error": ...}} for the API, plain text for pages. */
    private static int send(HttpExchange ex, int status, boolean json, String message) throws IOException {
        ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        if (json) {
            String body = Json.write(g -> {
                g.writeStartObject();
                g.writeStringField("error", message);
                g.writeEndObject();
            });
            return write(ex, status, "application/json; charset=utf-8", body.getBytes(StandardCharsets.UTF_8));
        }
        return write(ex, status, "text/plain; charset=utf-8", (message + "\n").getBytes(StandardCharsets.UTF_8));
    }

    private static int write(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        if ("HEAD".equals(ex.getRequestMethod())) {
            ex.sendResponseHeaders(status, -1);
            return status;
        }
        ex.sendResponseHeaders(status, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
        return status;
    }
}
