package io.tributary.bench.soak;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes a soak run's samples as CSV ({@code samples.csv}: one row per sample, {@code elapsed_seconds} then one column
 * per measure) and as a self-contained HTML page ({@code report.html}: the verdicts, then one inline SVG line chart per
 * measure; no scripts, no network).
 */
final class SoakReport {
    private static final int W = 640;
    private static final int H = 180;
    private static final int PAD = 50;

    /** One sample: seconds since the soak phase began, and a value per measure (same measures in every sample). */
    record Sample(double elapsedSeconds, Map<String, Double> values) {}

    private SoakReport() {}

    static void writeCsv(Path file, List<String> measures, List<Sample> samples) throws IOException {
        StringBuilder csv = new StringBuilder("elapsed_seconds");
        measures.forEach(m -> csv.append(',').append(m));
        csv.append('\n');
        for (Sample s : samples) {
            csv.append(num(s.elapsedSeconds()));
            measures.forEach(m -> csv.append(',').append(num(s.values().getOrDefault(m, Double.NaN))));
            csv.append('\n');
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, csv);
    }

    static void writeHtml(
            Path file,
            String title,
            List<String> facts,
            List<Flatness.Verdict> verdicts,
            List<String> measures,
            List<Sample> samples)
            throws IOException {
        StringBuilder h = new StringBuilder("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>")
                .append(esc(title))
                .append("</title><style>body{font-family:sans-serif;margin:2em}td,th{padding:2px 8px;text-align:left}"
                        + ".bad{color:#b00;font-weight:bold}.ok{color:#070}svg{border:1px solid #ccc}</style>"
                        + "</head><body><h1>")
                .append(esc(title))
                .append("</h1><ul>");
        facts.forEach(f -> h.append("<li>").append(esc(f)).append("</li>"));
        h.append("</ul><h2>Flatness</h2><table><tr><th>measure</th><th>verdict</th><th>detail</th></tr>");
        for (Flatness.Verdict v : verdicts) {
            h.append("<tr><td>")
                    .append(esc(v.measure()))
                    .append("</td><td class=\"")
                    .append(v.flat() ? "ok\">flat" : "bad\">NOT FLAT")
                    .append("</td><td>")
                    .append(esc(v.reason()))
                    .append("</td></tr>");
        }
        h.append("</table><h2>Samples</h2>");
        for (String m : measures) {
            h.append("<h3>").append(esc(m)).append("</h3>").append(chart(m, samples));
        }
        h.append("</body></html>\n");
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, h);
    }

    /** An SVG line chart of one measure over time, its y axis from 0 (or the minimum, if negative) to the maximum. */
    static String chart(String measure, List<Sample> samples) {
        List<double[]> points = new ArrayList<>();
        double maxX = 1;
        double minY = 0;
        double maxY = 0;
        for (Sample s : samples) {
            double y = s.values().getOrDefault(measure, Double.NaN);
            if (!Double.isNaN(y)) {
                points.add(new double[] {s.elapsedSeconds(), y});
                minY = Math.min(minY, y);
                maxY = Math.max(maxY, y);
            }
            maxX = Math.max(maxX, s.elapsedSeconds());
        }
        double spanY = maxY > minY ? maxY - minY : 1;
        StringBuilder svg = new StringBuilder(String.format(
                Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\">", W + PAD, H + 30));
        svg.append(String.format(
                Locale.ROOT,
                "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#888\"/>"
                        + "<line x1=\"%d\" y1=\"5\" x2=\"%d\" y2=\"%d\" stroke=\"#888\"/>",
                PAD,
                H,
                W + PAD - 5,
                H,
                PAD,
                PAD,
                H));
        svg.append(label(2, 15, num(maxY))).append(label(2, H, num(minY)));
        svg.append(label(PAD, H + 20, "0 s")).append(label(W - 20, H + 20, num(maxX) + " s"));
        svg.append("<polyline fill=\"none\" stroke=\"#1565c0\" stroke-width=\"1.5\" points=\"");
        for (double[] p : points) {
            double x = PAD + p[0] / maxX * (W - 10);
            double y = H - (p[1] - minY) / spanY * (H - 10);
            svg.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
        }
        return svg.append("\"/></svg>").toString();
    }

    private static String label(int x, int y, String text) {
        return String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"11\">%s</text>", x, y, esc(text));
    }

    private static String num(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        return v == Math.rint(v) && Math.abs(v) < 1e15
                ? String.valueOf((long) v)
                : String.format(Locale.ROOT, "%.2f", v);
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
