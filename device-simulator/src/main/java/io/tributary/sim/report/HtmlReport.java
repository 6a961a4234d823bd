package io.tributary.sim.report;

import io.tributary.sim.SecondSample;
import io.tributary.sim.SimResult;
import io.tributary.sim.ack.LatencySummary;
import io.tributary.sim.verify.DeviceReport;
import io.tributary.sim.verify.VerifyReport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Writes the run's report as one self-contained HTML file: verdict, summary table, a throughput chart
 * (published and acknowledged per second), an acknowledgement-latency chart (p50/p99/max per second) as inline
 * SVG, the problem devices, and the per-second data as JSON in {@code <script type="application/json"
 * id="tributary-data">} for tools. No network resources. Stateless.
 */
public final class HtmlReport {

    private HtmlReport() {}

    /** Writes to a temporary sibling, then renames over {@code file}, so a reader never sees half a report. */
    public static void write(Path file, SimResult r, Optional<VerifyReport> v) throws IOException {
        Path abs = file.toAbsolutePath();
        Path tmp = abs.resolveSibling(abs.getFileName() + ".tmp");
        Files.writeString(tmp, render(r, v), StandardCharsets.UTF_8);
        Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    public static String render(SimResult r, Optional<VerifyReport> v) {
        List<SecondSample> s = r.series();
        String verdict = RunSummary.verdict(r, v);
        StringBuilder sb = new StringBuilder(16_384);
        sb.append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Tributary simulator report")
                .append("</title><style>")
                .append("body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1040px}")
                .append("h1{font-size:22px}.PASS{color:#17803d}.FAIL{color:#c0262d}")
                .append("table{border-collapse:collapse;margin:8px 0 20px}td,th{padding:3px 12px;text-align:left;")
                .append("border-bottom:1px solid #ddd}td.n{text-align:right;font-variant-numeric:tabular-nums}")
                .append(".chart{width:100%;height:auto;margin:8px 0 18px;background:#fafafa;border:1px solid #e4e4e4}")
                .append(".grid{stroke:#e0e0e0}.tick{font-size:12px;fill:#555}.title{font-size:15px;fill:#222}")
                .append("</style></head><body>");
        sb.append("<h1>Tributary simulator: <span class=\"")
                .append(verdict)
                .append("\">")
                .append(verdict)
                .append("</span></h1>");
        sb.append("<p>")
                .append(Html.escape(String.format(
                        Locale.ROOT,
                        "%,d devices in %,d groups, MQTT %s, QoS %d, %s, against %s:%d",
                        r.config().devices(),
                        r.config().groups(),
                        r.config().mqttVersion() == 5 ? "5" : "3.1.1",
                        r.config().qos(),
                        r.config().profile().describe(),
                        r.config().host(),
                        r.config().port())))
                .append("</p>");
        sb.append(SvgChart.render(
                "Throughput",
                "msg/s",
                List.of(
                        new SvgChart.Series("published/s", "#2563eb", values(s, x -> x.published())),
                        new SvgChart.Series("acked/s", "#16a34a", values(s, x -> x.acked())),
                        new SvgChart.Series("errors/s", "#dc2626", values(s, x -> x.errors())))));
        sb.append(SvgChart.render(
                "Acknowledgement latency per second",
                "ms",
                List.of(
                        new SvgChart.Series("p50", "#2563eb", values(s, SecondSample::ackP50Ms)),
                        new SvgChart.Series("p99", "#d97706", values(s, SecondSample::ackP99Ms)),
                        new SvgChart.Series("max", "#9ca3af", values(s, SecondSample::ackMaxMs)))));
        sb.append("<h2>Summary</h2><table>");
        row(sb, "published", r.published());
        row(sb, "publish rate (msg/s)", Math.round(r.publishRate()));
        row(sb, "acknowledged", r.acked());
        row(sb, "refused", r.refused());
        row(sb, "failed", r.failed());
        row(sb, "unacknowledged", r.unacknowledged());
        row(sb, "connect failures", r.connectFailures());
        latencyRows(sb, "ack", r.ackLatency());
        v.ifPresent(rep -> {
            row(sb, "observed", rep.observedTotal());
            row(sb, "lost", rep.lost());
            row(sb, "duplicated", rep.duplicated());
            row(sb, "out of order", rep.outOfOrder());
            row(sb, "unexpected", rep.unexpected());
            latencyRows(sb, "end-to-end", rep.endToEnd());
        });
        sb.append("</table>");
        v.ifPresent(rep -> problemDevices(sb, rep));
        r.abortReason()
                .ifPresent(a -> sb.append("<p class=\"FAIL\">Aborted: ")
                        .append(Html.escape(a))
                        .append("</p>"));
        sb.append("<script type=\"application/json\" id=\"tributary-data\">")
                .append(SeriesJson.of(s, RunSummary.json(r, v)))
                .append("</script></body></html>\n");
        return sb.toString();
    }

    private static void problemDevices(StringBuilder sb, VerifyReport rep) {
        List<DeviceReport> bad = rep.problemDevices();
        if (bad.isEmpty()) {
            return;
        }
        sb.append("<h2>Devices with problems</h2><table><tr><th>device</th><th>lost</th><th>duplicated</th>")
                .append("<th>out of order</th><th>first lost</th></tr>");
        bad.stream()
                .limit(100)
                .forEach(d -> sb.append("<tr><td>")
                        .append(Html.escape(d.deviceId()))
                        .append("</td><td class=\"n\">")
                        .append(d.lost())
                        .append("</td><td class=\"n\">")
                        .append(d.duplicated())
                        .append("</td><td class=\"n\">")
                        .append(d.outOfOrder())
                        .append("</td><td>")
                        .append(d.firstLost())
                        .append("</td></tr>"));
        sb.append("</table>");
    }

    private static void latencyRows(StringBuilder sb, String what, LatencySummary l) {
        sb.append(String.format(
                Locale.ROOT,
                "<tr><td>%s latency ms (p50 / p90 / p99 / p99.9 / max)</td>"
                        + "<td class=\"n\">%.2f / %.2f / %.2f / %.2f / %.2f</td></tr>",
                what,
                l.p50Ms(),
                l.p90Ms(),
                l.p99Ms(),
                l.p999Ms(),
                l.maxMs()));
    }

    private static void row(StringBuilder sb, String name, long value) {
        sb.append(String.format(Locale.ROOT, "<tr><td>%s</td><td class=\"n\">%,d</td></tr>", name, value));
    }

    private static double[] values(List<SecondSample> s, java.util.function.ToDoubleFunction<SecondSample> f) {
        return s.stream().mapToDouble(f).toArray();
    }
}
