package io.tributary.edge.admin;

import io.tributary.protocol.cli.Cli;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ScopeType;

/**
 * {@code tributary edge-admin}: asks a running edge agent, over its metrics/console port ({@code metrics.port}), what
 * it knows — devices, MQTT sessions and subscriptions, retained messages, connected clients, lanes, the loss ledger —
 * and prints tables, or the JSON
 * answer as it is with {@code --json}. Read-only. Exit status 0 when answered, 1 when the edge could not be reached or
 * answered with an error, 2 on a usage error.
 */
@Command(
        name = "edge-admin",
        mixinStandardHelpOptions = true,
        description = "Ask an edge agent what it knows (read-only, over its metrics/console HTTP port).",
        footer = "Exit status: 0 answered, 1 the edge could not be reached or answered with an error, 2 usage.",
        subcommandsRepeatable = false)
public final class EdgeAdminMain implements Callable<Integer> {
    private final PrintStream out;
    private final PrintStream err;

    @Option(
            names = "--edge",
            defaultValue = "127.0.0.1:9464",
            scope = ScopeType.INHERIT,
            description = "HOST:PORT of the edge's metrics.port (default ${DEFAULT-VALUE}).")
    String edge;

    @Option(names = "--json", scope = ScopeType.INHERIT, description = "Print the edge's JSON answer as it is.")
    boolean json;

    @Option(
            names = "--limit",
            defaultValue = "100",
            scope = ScopeType.INHERIT,
            description = "Items per list at most (1-500, default ${DEFAULT-VALUE}).")
    int limit;

    @Option(
            names = "--offset",
            defaultValue = "0",
            scope = ScopeType.INHERIT,
            description = "Items of a list to skip (default ${DEFAULT-VALUE}).")
    int offset;

    EdgeAdminMain(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        // Not Cli.commandLine: its help-default rewriting re-creates options, which unbinds those of the command
        // methods
        CommandLine cli = new CommandLine(new EdgeAdminMain(out, err));
        cli.getCommandSpec().versionProvider(() -> new String[] {"tributary edge-admin " + Cli.version()});
        cli.setOut(new java.io.PrintWriter(out, true));
        cli.setErr(new java.io.PrintWriter(err, true));
        cli.setExecutionStrategy(new CommandLine.RunLast());
        return cli.execute(args);
    }

    /** No command named: the usage, as a usage error. */
    @Override
    public Integer call() {
        new CommandLine(this).usage(err);
        return 2;
    }

    @Command(name = "devices", description = "The device registry (one device in detail with ID).")
    int devices(@Parameters(arity = "0..1", paramLabel = "ID", description = "A device id.") String id)
            throws InterruptedException {
        Map<String, Object> doc = get(id == null ? "devices" + page() : "devices/" + encode(id));
        if (doc == null) {
            return 1;
        }
        if (json) {
            return 0;
        }
        if (id != null) {
            printDevice(doc);
            return 0;
        }
        Table t = new Table(List.of("DEVICE", "GROUP", "CLIENT", "CONNECTED", "LAST SEEN", "PUBLISHES", "LAST VALUES"));
        for (Map<String, Object> d : items(doc)) {
            t.add(List.of(
                    str(d, "device"),
                    str(d, "group"),
                    str(d, "client_id"),
                    str(d, "connected"),
                    time(d.get("last_seen_ms")),
                    str(d, "publishes"),
                    lastValues(d, 60)));
        }
        print(t, doc, "devices");
        return 0;
    }

    @Command(name = "retained", description = "Retained messages of the local broker.")
    int retained(
            @Option(names = "--filter", defaultValue = "#", description = "Topic filter (default ${DEFAULT-VALUE}).")
                    String filter)
            throws InterruptedException {
        Map<String, Object> doc = get("retained" + page() + "&filter=" + encode(filter));
        if (doc == null || json) {
            return doc == null ? 1 : 0;
        }
        Table t = new Table(List.of("TOPIC", "QOS", "BYTES", "EXPIRES", "VALUE"));
        for (Map<String, Object> r : items(doc)) {
            Object expires = r.get("expires_at_ms");
            t.add(List.of(
                    str(r, "topic"),
                    str(r, "qos"),
                    str(r, "bytes"),
                    expires instanceof Number n && n.longValue() == 0 ? "never" : time(expires),
                    cut(str(r, "value"), 60)));
        }
        print(t, doc, "retained messages");
        return 0;
    }

    @Command(
            name = "sessions",
            description =
                    "MQTT sessions: connected, or persistent and waiting for their client (one in detail with ID).")
    int sessions(@Parameters(arity = "0..1", paramLabel = "ID", description = "A client id.") String id)
            throws InterruptedException {
        Map<String, Object> doc = get(id == null ? "sessions" + page() : "sessions/" + encode(id));
        if (doc == null || json) {
            return doc == null ? 1 : 0;
        }
        if (id != null) {
            printSession(doc);
            return 0;
        }
        Table t = new Table(List.of(
                "CLIENT ID", "CONNECTED", "PERSISTENT", "EXPIRY S", "EXPIRES", "SUBS", "QUEUED", "BYTES", "QOS2 IN"));
        for (Map<String, Object> s : items(doc)) {
            t.add(List.of(
                    str(s, "client_id"),
                    str(s, "connected"),
                    str(s, "persistent"),
                    str(s, "expiry_s"),
                    expires(s),
                    str(s, "subscriptions"),
                    str(s, "queued"),
                    str(s, "queued_bytes"),
                    str(s, "inbound_qos2")));
        }
        print(t, doc, "sessions");
        return 0;
    }

    @Command(name = "subscriptions", description = "Subscriptions of the MQTT sessions, by client id and filter.")
    int subscriptions() throws InterruptedException {
        Map<String, Object> doc = get("subscriptions" + page());
        if (doc == null || json) {
            return doc == null ? 1 : 0;
        }
        Table t = subscriptionTable(true);
        for (Map<String, Object> s : items(doc)) {
            addSubscription(t, s, true);
        }
        print(t, doc, "subscriptions");
        return 0;
    }

    @Command(name = "ledger", description = "What the edge refused or dropped, by reason.")
    int ledger() throws InterruptedException {
        Map<String, Object> doc = get("ledger");
        if (doc == null || json) {
            return doc == null ? 1 : 0;
        }
        Table t = new Table(List.of("WHERE", "REASON", "COUNT"));
        long sum = 0;
        for (Map.Entry<String, Object> section : doc.entrySet()) {
            if (section.getValue() instanceof Map<?, ?> reasons) {
                for (Map.Entry<?, ?> r : reasons.entrySet()) {
                    t.add(List.of(section.getKey(), String.valueOf(r.getKey()), String.valueOf(r.getValue())));
                    sum += r.getValue() instanceof Number n ? n.longValue() : 0;
                }
            }
        }
        t.print(out);
        if (sum == 0) {
            out.println("Nothing refused or dropped.");
        }
        return 0;
    }

    @Command(name = "clients", description = "MQTT clients connected now.")
    int clients() throws InterruptedException {
        Map<String, Object> doc = get("mqtt" + page());
        if (doc == null || json) {
            return doc == null ? 1 : 0;
        }
        Table t = new Table(List.of("CLIENT ID", "REMOTE"));
        for (Map<String, Object> c : items(doc)) {
            t.add(List.of(str(c, "client_id"), str(c, "remote")));
        }
        print(t, doc, "clients");
        return 0;
    }

    @Command(name = "lanes", description = "Buffer lanes (device groups) with stored records.")
    int lanes() throws InterruptedException {
        Map<String, Object> doc = get("lanes" + page());
        if (doc == null || json) {
            return doc == null ? 1 : 0;
        }
        Table t = new Table(List.of("LANE", "RECORDS", "BYTES", "OLDEST AGE MS", "REFUSED"));
        for (Map<String, Object> l : items(doc)) {
            t.add(List.of(
                    str(l, "lane"), str(l, "records"), str(l, "bytes"), str(l, "oldest_age_ms"), str(l, "refused")));
        }
        print(t, doc, "lanes");
        return 0;
    }

    private void printDevice(Map<String, Object> d) {
        for (String k : List.of("device", "group", "client_id", "connected", "publishes")) {
            out.printf("%-12s %s%n", k, str(d, k));
        }
        out.printf("%-12s %s%n", "first_seen", time(d.get("first_seen_ms")));
        out.printf("%-12s %s%n", "last_seen", time(d.get("last_seen_ms")));
        if (d.get("last") instanceof Map<?, ?> last && !last.isEmpty()) {
            Table t = new Table(List.of("METRIC", "VALUE", "AT"));
            for (Map.Entry<?, ?> e : last.entrySet()) {
                Map<?, ?> v = (Map<?, ?>) e.getValue();
                t.add(List.of(String.valueOf(e.getKey()), String.valueOf(v.get("value")), time(v.get("time_ms"))));
            }
            out.println();
            t.print(out);
        }
    }

    @SuppressWarnings("unchecked")
    private void printSession(Map<String, Object> s) {
        for (String k : List.of("client_id", "connected", "persistent", "expiry_s")) {
            out.printf("%-13s %s%n", k, str(s, k));
        }
        out.printf("%-13s %s%n", "expires", expires(s));
        for (String k : List.of("queued", "queued_bytes", "inbound_qos2")) {
            out.printf("%-13s %s%n", k, str(s, k));
        }
        if (s.get("filters") instanceof List<?> filters && !filters.isEmpty()) {
            Table t = subscriptionTable(false);
            filters.forEach(f -> addSubscription(t, (Map<String, Object>) f, false));
            out.println();
            t.print(out);
        }
    }

    private static Table subscriptionTable(boolean withClient) {
        List<String> header = List.of("FILTER", "QOS", "NO LOCAL", "RETAIN AS PUBLISHED", "RETAIN HANDLING", "SUB ID");
        List<String> all = new ArrayList<>(withClient ? List.of("CLIENT ID") : List.of());
        all.addAll(header);
        return new Table(all);
    }

    private static void addSubscription(Table t, Map<String, Object> s, boolean withClient) {
        List<String> row = new ArrayList<>(withClient ? List.of(str(s, "client_id")) : List.of());
        Object id = s.get("subscription_id");
        row.addAll(List.of(
                str(s, "filter"),
                str(s, "qos"),
                str(s, "no_local"),
                str(s, "retain_as_published"),
                str(s, "retain_handling"),
                id instanceof Number n && n.longValue() == 0 ? "-" : String.valueOf(id)));
        t.add(row);
    }

    /** When a detached session goes; "-" while a connection holds it. */
    private static String expires(Map<String, Object> s) {
        Object at = s.get("expires_at_ms");
        return at instanceof Number n && n.longValue() == 0 ? "-" : time(at);
    }

    private void print(Table t, Map<String, Object> doc, String what) {
        t.print(out);
        long total = doc.get("total") instanceof Number n ? n.longValue() : -1;
        int shown = items(doc).size();
        if (total > shown) {
            out.printf("(%d of %d %s from offset %d; use --offset and --limit for more)%n", shown, total, what, offset);
        }
    }

    private String page() {
        return "?offset=" + offset + "&limit=" + limit;
    }

    /** GETs {@code /api/<path>}; prints the body with --json; null (after a message on stderr) on any failure. */
    @SuppressWarnings("unchecked")
    private Map<String, Object> get(String path) throws InterruptedException {
        URI uri = URI.create("http://" + edge + "/api/" + path);
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        try {
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(uri)
                            .timeout(Duration.ofSeconds(15))
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            Object body = JsonTree.parse(r.body());
            if (r.statusCode() != 200) {
                Object error = body instanceof Map<?, ?> m ? m.get("error") : r.body();
                err.printf("edge-admin: %s answered HTTP %d: %s%n", uri, r.statusCode(), error);
                return null;
            }
            if (!(body instanceof Map<?, ?>)) {
                err.printf("edge-admin: %s did not answer a JSON object%n", uri);
                return null;
            }
            if (json) {
                out.println(r.body());
            }
            return (Map<String, Object>) body;
        } catch (IOException | IllegalArgumentException e) {
            err.printf(
                    "edge-admin: cannot ask the edge at %s (is it running with metrics.port enabled?): %s%n",
                    edge, e.getMessage() == null ? e.toString() : e.getMessage());
            return null;
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> items(Map<String, Object> doc) {
        List<Map<String, Object>> out = new ArrayList<>();
        if (doc.get("items") instanceof List<?> l) {
            for (Object o : l) {
                out.add((Map<String, Object>) o);
            }
        }
        return out;
    }

    private static String lastValues(Map<String, Object> d, int max) {
        List<String> parts = new ArrayList<>();
        if (d.get("last") instanceof Map<?, ?> last) {
            last.forEach((k, v) -> parts.add(k + "=" + ((Map<?, ?>) v).get("value")));
        }
        return cut(String.join(", ", parts), max);
    }

    private static String str(Map<String, Object> m, String key) {
        return String.valueOf(m.get(key));
    }

    private static String time(Object ms) {
        return ms instanceof Number n ? Instant.ofEpochMilli(n.longValue()).toString() : String.valueOf(ms);
    }

    private static String cut(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
