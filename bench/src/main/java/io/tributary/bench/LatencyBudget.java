package io.tributary.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where the time of an end-to-end run goes, stage by stage, from the edge's and the hub's {@code /metrics}: scraped
 * before and after a phase, a stage with histogram buckets gets its percentiles from the buckets' growth over the phase
 * (as Prometheus' {@code histogram_quantile} over the phase would); one with client-side quantiles only gets those of
 * the scrape after the phase (Micrometer's decaying window, about the last two minutes). Stateless.
 */
final class LatencyBudget {
    private LatencyBudget() {}

    /** One stage: what it measures, on which process, from which metric (base name, seconds). */
    record Stage(String key, String label, String process, String metric) {}

    /** A stage's figures over a phase; NaN where the metric had nothing. */
    record Row(Stage stage, double count, double p50Ms, double p99Ms, String source) {}

    static final List<Stage> STAGES = List.of(
            new Stage("puback", "device PUBLISH -> PUBACK", "edge", "tributary_edge_mqtt_puback_latency_seconds"),
            new Stage("commit", "  of which: buffer group commit", "edge", "tributary_edge_buffer_commit_seconds"),
            new Stage("wait", "edge receive -> batch sent to hub", "edge", "tributary_edge_forward_wait_seconds"),
            new Stage(
                    "link",
                    "batch sent -> BatchAck (round trip)",
                    "edge",
                    "tributary_edge_forward_ack_latency_seconds"),
            new Stage("hub_ack", "  of which: hub receive -> ack (fsync)", "hub", "tributary_hub_batch_ack_seconds"),
            new Stage("push", "hub append -> pushed to the reader", "hub", "tributary_hub_push_age_seconds"));

    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** The {@code /metrics} text of each process ({@code edge}, {@code hub}) on its local metrics port. */
    static Map<String, String> scrape(int edgePort, int hubPort) throws IOException, InterruptedException {
        return Map.of("edge", get(edgePort), "hub", get(hubPort));
    }

    /** The {@code /metrics} text of the process whose metrics port is {@code port} on loopback. */
    static String get(int port) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("GET /metrics on port " + port + ": HTTP " + r.statusCode());
        }
        return r.body();
    }

    static List<Row> rows(Map<String, String> before, Map<String, String> after) {
        List<Row> rows = new ArrayList<>();
        for (Stage s : STAGES) {
            String b = before.getOrDefault(s.process(), "");
            String a = after.getOrDefault(s.process(), "");
            double count = sum(a, s.metric() + "_count") - sum(b, s.metric() + "_count");
            TreeMap<Double, Double> grown = buckets(a, s.metric());
            buckets(b, s.metric()).forEach((le, n) -> grown.merge(le, -n, Double::sum));
            if (!grown.isEmpty() && count > 0) {
                rows.add(new Row(s, count, 1e3 * fromBuckets(grown, 0.5), 1e3 * fromBuckets(grown, 0.99), "buckets"));
            } else {
                Map<Double, Double> q = quantiles(a, s.metric());
                rows.add(new Row(
                        s,
                        count,
                        1e3 * q.getOrDefault(0.5, Double.NaN),
                        1e3 * q.getOrDefault(0.99, Double.NaN),
                        q.isEmpty() ? "none" : "window"));
            }
        }
        return rows;
    }

    private static final Pattern SAMPLE = Pattern.compile("(?m)^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*})?\\s+(\\S+)");
    private static final Pattern LABEL = Pattern.compile("(\\w+)=\"([^\"]*)\"");

    private interface SampleSink {
        void accept(Map<String, String> labels, double value);
    }

    private static void samples(String text, String name, SampleSink sink) {
        Matcher m = SAMPLE.matcher(text);
        while (m.find()) {
            if (!m.group(1).equals(name)) {
                continue;
            }
            Map<String, String> labels = new TreeMap<>();
            if (m.group(2) != null) {
                Matcher l = LABEL.matcher(m.group(2));
                while (l.find()) {
                    labels.put(l.group(1), l.group(2));
                }
            }
            try {
                sink.accept(labels, Double.parseDouble(m.group(3)));
            } catch (NumberFormatException e) {
                // not a number (e.g. a comment-like line): not a sample
            }
        }
    }

    /** Sum over every series of {@code name}. */
    static double sum(String text, String name) {
        double[] total = {0};
        samples(text, name, (labels, v) -> total[0] += v);
        return total[0];
    }

    /** Cumulative bucket counts of {@code metric} by upper bound, summed over series. */
    static TreeMap<Double, Double> buckets(String text, String metric) {
        TreeMap<Double, Double> out = new TreeMap<>();
        samples(text, metric + "_bucket", (labels, v) -> {
            String le = labels.get("le");
            if (le != null) {
                out.merge(le.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le), v, Double::sum);
            }
        });
        return out;
    }

    /** Client-side quantiles of {@code metric}: the largest over its series, by quantile. */
    static Map<Double, Double> quantiles(String text, String metric) {
        Map<Double, Double> out = new TreeMap<>();
        samples(text, metric, (labels, v) -> {
            String q = labels.get("quantile");
            if (q != null && !Double.isNaN(v)) {
                out.merge(Double.parseDouble(q), v, Math::max);
            }
        });
        return out;
    }

    /**
     * The {@code q} quantile of cumulative buckets (upper bound to count), interpolated linearly inside the bucket
     * where it falls, as {@code histogram_quantile} does; the highest finite bound when it falls in {@code +Inf}.
     */
    static double fromBuckets(TreeMap<Double, Double> cumulative, double q) {
        double total = cumulative.lastEntry().getValue();
        if (total <= 0) {
            return Double.NaN;
        }
        double rank = q * total;
        double lowerBound = 0;
        double lowerCount = 0;
        for (Map.Entry<Double, Double> e : cumulative.entrySet()) {
            if (e.getValue() >= rank) {
                if (e.getKey().isInfinite()) {
                    return lowerBound;
                }
                double inBucket = e.getValue() - lowerCount;
                return inBucket <= 0
                        ? e.getKey()
                        : lowerBound + (e.getKey() - lowerBound) * (rank - lowerCount) / inBucket;
            }
            lowerBound = e.getKey();
            lowerCount = e.getValue();
        }
        return lowerBound;
    }
}
