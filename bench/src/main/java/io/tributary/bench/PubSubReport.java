package io.tributary.bench;

import io.tributary.bench.pipeline.ProcStats;
import io.tributary.sim.report.JsonWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * The output of {@code bench pubsub}: each phase's figures go into the JSON line as they come ({@code edge_*}, {@code
 * mosq_*}); at the end the ratios edge/Mosquitto and whether each target of issue 13 was met, a table on stdout, then
 * the JSON line. Not thread-safe.
 */
final class PubSubReport {
    /** The RSS target with 10,000 persistent sessions, in MiB. */
    static final double SESSIONS_RSS_TARGET_MB = 128;
    /** The retained target: a new subscriber to # has all of them within this many seconds. */
    static final double RETAINED_TARGET_S = 2;

    private final JsonWriter json;
    private final List<String> notes;
    private final List<String> errors;
    private final Map<String, Map<String, FlowPhase>> flows = new LinkedHashMap<>();
    private final Map<String, String> flowNames = new LinkedHashMap<>();
    private final Map<String, RetainedPhase> retained = new LinkedHashMap<>();
    private final Map<String, SessionsPhase> sessions = new LinkedHashMap<>();

    PubSubReport(JsonWriter json, List<String> notes, List<String> errors) {
        this.json = json;
        this.notes = notes;
        this.errors = errors;
    }

    List<String> errors() {
        return errors;
    }

    /** A fan-in or fan-out run of {@code broker} ({@code edge} or {@code mosq}); {@code r} null when it failed. */
    void flow(String key, String label, String broker, FlowPhase r) {
        flowNames.putIfAbsent(key, label);
        if (r == null) {
            return;
        }
        flows.computeIfAbsent(key, k -> new LinkedHashMap<>()).put(broker, r);
        r.json(json, broker + "_" + key + "_");
        if (r.loadSideSaturated()) {
            notes.add(String.format(
                    Locale.ROOT,
                    "%s (%s): the load CPU was nearly full (subscribers %.2f + generator %.2f cores): a lower bound",
                    r.name(),
                    broker,
                    r.subscriberCores(),
                    r.generatorCores()));
        }
    }

    void retained(String broker, RetainedPhase r) {
        if (r != null) {
            retained.put(broker, r);
            r.json(json, broker + "_");
        }
    }

    void sessions(String broker, SessionsPhase r) {
        if (r != null) {
            sessions.put(broker, r);
            r.json(json, broker + "_");
            if (r.note() != null) {
                notes.add("sessions (" + broker + "): " + r.note());
            }
        }
    }

    /** Adds the ratios, targets, notes and errors; returns the table and then the JSON line, for stdout. */
    String end(double elapsedSeconds) {
        List<String[]> rows = new ArrayList<>();
        flows.forEach((key, byBroker) -> {
            FlowPhase e = byBroker.get("edge");
            FlowPhase m = byBroker.get("mosq");
            double ratio = e == null || m == null || m.deliveredPerSecond() <= 0
                    ? Double.NaN
                    : e.deliveredPerSecond() / m.deliveredPerSecond();
            json.field(key + "_ratio", ratio);
            if (Double.isFinite(ratio)) {
                json.field(key + "_target_met", ratio >= 1.0);
            }
            rows.add(row(
                    flowNames.get(key) + ", delivered/s", e, m, f -> num(f.deliveredPerSecond()), ratio, ">= 1.0x"));
            rows.add(row("  missing / duplicates", e, m, f -> f.missing() + " / " + f.duplicates(), Double.NaN, ""));
            rows.add(row(
                    "  latency p50 / p99 ms",
                    e,
                    m,
                    f -> String.format(
                            Locale.ROOT,
                            "%.2f / %.2f",
                            f.latency().p50Ms(),
                            f.latency().p99Ms()),
                    Double.NaN,
                    ""));
            rows.add(row(
                    "  cores: broker / subscribers / generator",
                    e,
                    m,
                    f -> String.format(
                            Locale.ROOT,
                            "%.2f / %.2f / %.2f",
                            f.brokerCores(),
                            f.subscriberCores(),
                            f.generatorCores()),
                    Double.NaN,
                    ""));
        });
        if (!retained.isEmpty()) {
            RetainedPhase e = retained.get("edge");
            RetainedPhase m = retained.get("mosq");
            boolean both = e != null && m != null && e.complete() && m.complete() && m.seconds() > 0;
            json.field("retained_time_ratio", both ? e.seconds() / m.seconds() : Double.NaN);
            if (e != null) {
                json.field("retained_target_met", e.complete() && e.seconds() <= RETAINED_TARGET_S);
            }
            RetainedPhase any = e != null ? e : m;
            rows.add(row(
                    String.format(Locale.ROOT, "retained: new subscriber to # gets %,d, s", any.stored()),
                    e,
                    m,
                    r -> r.complete()
                            ? String.format(Locale.ROOT, "%.3f", r.seconds())
                            : String.format(Locale.ROOT, "only %,d (%.3f)", r.received(), r.seconds()),
                    both ? e.seconds() / m.seconds() : Double.NaN,
                    "<= " + num(RETAINED_TARGET_S) + " s"));
            rows.add(row("  stored/s", e, m, r -> num(r.stored() / r.storeSeconds()), Double.NaN, ""));
        }
        if (!sessions.isEmpty()) {
            SessionsPhase e = sessions.get("edge");
            SessionsPhase m = sessions.get("mosq");
            boolean both = e != null && m != null && m.rss() > 0;
            json.field("sessions_rss_ratio", both ? (double) e.rss() / m.rss() : Double.NaN);
            if (e != null) {
                json.field(
                        "sessions_target_met",
                        e.created() == e.requested() && ProcStats.mb(e.rss()) <= SESSIONS_RSS_TARGET_MB);
            }
            SessionsPhase any = e != null ? e : m;
            rows.add(row(
                    String.format(Locale.ROOT, "sessions: RSS with %,d, MB", any.created()),
                    e,
                    m,
                    s -> String.format(Locale.ROOT, "%.1f", ProcStats.mb(s.rss())),
                    both ? (double) e.rss() / m.rss() : Double.NaN,
                    "<= " + num(SESSIONS_RSS_TARGET_MB) + " MB"));
            rows.add(row(
                    "  RSS before / heap after GC, MB",
                    e,
                    m,
                    s -> String.format(
                            Locale.ROOT,
                            "%.1f / %s",
                            ProcStats.mb(s.rssBefore()),
                            s.heapAfterGc() < 0
                                    ? "-"
                                    : String.format(Locale.ROOT, "%.1f", ProcStats.mb(s.heapAfterGc()))),
                    Double.NaN,
                    ""));
            rows.add(
                    row("  created in, s", e, m, s -> String.format(Locale.ROOT, "%.1f", s.seconds()), Double.NaN, ""));
        }
        String table = table(rows);
        json.field("load_avg_1m_end", ProcStats.loadAverage())
                .field("elapsed_s", elapsedSeconds)
                .field("notes", String.join("; ", notes))
                .field("errors", String.join("; ", errors))
                .field("ok", errors.isEmpty());
        return table + json.end() + "\n";
    }

    private static <T> String[] row(
            String label, T edge, T mosq, Function<T, String> cell, double ratio, String target) {
        return new String[] {
            label,
            edge == null ? "-" : cell.apply(edge),
            mosq == null ? "-" : cell.apply(mosq),
            Double.isFinite(ratio) ? String.format(Locale.ROOT, "%.2f", ratio) : "",
            target
        };
    }

    private String table(List<String[]> rows) {
        List<String[]> all = new ArrayList<>();
        all.add(new String[] {"bench pubsub", "edge", "Mosquitto", "edge/Mosq.", "target"});
        all.addAll(rows);
        int[] width = new int[5];
        for (String[] r : all) {
            for (int i = 0; i < 5; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (String[] r : all) {
            out.append(String.format(
                            Locale.ROOT,
                            "%-" + width[0] + "s  %" + width[1] + "s  %" + width[2] + "s  %" + width[3] + "s  %s",
                            (Object[]) r)
                    .stripTrailing());
            out.append('\n');
        }
        for (String n : notes) {
            out.append("note: ").append(n).append('\n');
        }
        for (String e : errors) {
            out.append("error: ").append(e).append('\n');
        }
        return out.toString();
    }

    private static String num(double v) {
        return String.format(Locale.ROOT, "%,.0f", v);
    }
}
