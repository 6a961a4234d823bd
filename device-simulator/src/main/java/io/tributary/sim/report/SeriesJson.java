package io.tributary.sim.report;

import io.tributary.sim.SecondSample;
import java.util.List;
import java.util.Locale;

/**
 * The report's machine-readable data: {@code {"summary":{...},"seconds":[[second,published,acked,errors,
 * connected,inflight,p50,p90,p99,max],...]}}. Stateless.
 */
final class SeriesJson {

    static final String COLUMNS =
            "second,published,acked,errors,connected,inflight,ack_p50_ms,ack_p90_ms," + "ack_p99_ms,ack_max_ms";

    private SeriesJson() {}

    static String of(List<SecondSample> series, String summaryJson) {
        StringBuilder rows = new StringBuilder("[");
        for (int i = 0; i < series.size(); i++) {
            SecondSample s = series.get(i);
            if (i > 0) {
                rows.append(',');
            }
            rows.append(String.format(
                    Locale.ROOT,
                    "[%d,%d,%d,%d,%d,%d,%.3f,%.3f,%.3f,%.3f]",
                    s.second(),
                    s.published(),
                    s.acked(),
                    s.errors(),
                    s.connected(),
                    s.inflight(),
                    s.ackP50Ms(),
                    s.ackP90Ms(),
                    s.ackP99Ms(),
                    s.ackMaxMs()));
        }
        rows.append(']');
        return new JsonWriter()
                .raw("summary", summaryJson)
                .field("columns", COLUMNS)
                .raw("seconds", rows.toString())
                .end();
    }
}
