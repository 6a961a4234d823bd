package io.tributary.sim.report;

import java.util.List;
import java.util.Locale;

/**
 * Renders a line chart as SVG inline in HTML (so without an xmlns): one x axis (seconds), one y axis from 0 to a rounded maximum, a polyline
 * per series and a legend. No scripts, no external resources. Stateless.
 */
final class SvgChart {

    /** One line: a name, a CSS colour and one value per x. */
    record Series(String name, String color, double[] values) {}

    private static final int W = 1000;
    private static final int H = 300;
    private static final int LEFT = 70;
    private static final int RIGHT = 20;
    private static final int TOP = 30;
    private static final int BOTTOM = 40;

    private SvgChart() {}

    static String render(String title, String yUnit, List<Series> series) {
        int n = series.isEmpty() ? 0 : series.get(0).values().length;
        double max = 0;
        for (Series s : series) {
            for (double v : s.values()) {
                max = Math.max(max, v);
            }
        }
        double top = niceCeiling(max);
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "<svg viewBox=\"0 0 %d %d\" class=\"chart\" role=\"img\">", W, H));
        sb.append(String.format(
                Locale.ROOT, "<text x=\"%d\" y=\"20\" class=\"title\">%s</text>", LEFT, Html.escape(title)));
        int plotW = W - LEFT - RIGHT;
        int plotH = H - TOP - BOTTOM;
        for (int i = 0; i <= 4; i++) {
            double y = TOP + plotH - plotH * i / 4.0;
            sb.append(String.format(
                    Locale.ROOT,
                    "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" class=\"grid\"/>"
                            + "<text x=\"%d\" y=\"%.1f\" class=\"tick\" text-anchor=\"end\">%s</text>",
                    LEFT,
                    y,
                    W - RIGHT,
                    y,
                    LEFT - 6,
                    y + 4,
                    label(top * i / 4)));
        }
        int xTicks = Math.min(10, Math.max(1, n - 1));
        for (int i = 0; i <= xTicks && n > 0; i++) {
            int idx = (int) Math.round((n - 1) * i / (double) xTicks);
            sb.append(String.format(
                    Locale.ROOT,
                    "<text x=\"%.1f\" y=\"%d\" class=\"tick\" text-anchor=\"middle\">%ds</text>",
                    x(idx, n, plotW),
                    H - BOTTOM + 18,
                    idx + 1));
        }
        sb.append(String.format(
                Locale.ROOT, "<text x=\"12\" y=\"%d\" class=\"tick\">%s</text>", TOP - 8, Html.escape(yUnit)));
        int legendX = LEFT + 420; // right of the longest title
        for (Series s : series) {
            sb.append("<polyline fill=\"none\" stroke-width=\"2\" stroke=\"")
                    .append(s.color())
                    .append("\" points=\"");
            for (int i = 0; i < s.values().length; i++) {
                double y = TOP + plotH - (top == 0 ? 0 : plotH * s.values()[i] / top);
                sb.append(String.format(Locale.ROOT, "%.1f,%.1f ", x(i, n, plotW), y));
            }
            sb.append("\"/>");
            sb.append(String.format(
                    Locale.ROOT,
                    "<rect x=\"%d\" y=\"10\" width=\"14\" height=\"4\" fill=\"%s\"/>"
                            + "<text x=\"%d\" y=\"16\" class=\"tick\">%s</text>",
                    legendX,
                    s.color(),
                    legendX + 18,
                    Html.escape(s.name())));
            legendX += 140;
        }
        return sb.append("</svg>").toString();
    }

    private static double x(int i, int n, int plotW) {
        return LEFT + (n <= 1 ? plotW / 2.0 : plotW * i / (double) (n - 1));
    }

    /** 1, 2 or 5 times a power of ten, at least {@code v}. */
    static double niceCeiling(double v) {
        if (v <= 0) {
            return 1;
        }
        double p = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 2, 5, 10}) {
            if (m * p >= v) {
                return m * p;
            }
        }
        return 10 * p;
    }

    private static String label(double v) {
        if (v >= 1_000_000) return String.format(Locale.ROOT, "%.1fM", v / 1e6);
        if (v >= 10_000) return String.format(Locale.ROOT, "%.0fk", v / 1e3);
        if (v >= 10 || v == 0) return String.format(Locale.ROOT, "%.0f", v);
        return String.format(Locale.ROOT, "%.2f", v);
    }
}
