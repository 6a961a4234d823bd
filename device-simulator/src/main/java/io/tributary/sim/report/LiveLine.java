package io.tributary.sim.report;

import io.tributary.sim.SecondSample;
import java.util.Locale;

/** Formats the once-a-second progress line. Stateless and thread-safe. */
public final class LiveLine {

    private LiveLine() {}

    public static String format(SecondSample s) {
        return String.format(
                Locale.ROOT,
                "[%4ds] pub %,8d/s  ack %,8d/s  ack p50 %7.2f ms  p99 %7.2f ms  errors %,d  connected %,d  in-flight %,d",
                s.second(),
                s.published(),
                s.acked(),
                s.ackP50Ms(),
                s.ackP99Ms(),
                s.errors(),
                s.connected(),
                s.inflight());
    }
}
