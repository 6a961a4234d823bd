package io.tributary.sim.ack;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * PUBACK (or PUBCOMP) latency in microseconds: recorded from any thread into an HdrHistogram {@link Recorder};
 * {@link #nextInterval()} swaps out the histogram of the interval since the last call (normally each second) and
 * folds it into the run's overall histogram.
 *
 * <p>Threads: {@link #record} from any thread, wait-free; {@link #nextInterval} and {@link #overall} from one
 * reporting thread (or after the run).
 */
public final class AckLatency {

    /** Latencies above one minute are clamped: they only mean "very late". */
    static final long MAX_MICROS = 60_000_000L;

    private final Recorder recorder = new Recorder(MAX_MICROS, 3);
    private final Histogram overall = new Histogram(MAX_MICROS, 3);
    private Histogram interval;

    public void record(long micros) {
        recorder.recordValue(Math.max(0, Math.min(micros, MAX_MICROS)));
    }

    /** The interval histogram since the previous call, also added to {@link #overall()}. Do not keep it. */
    public synchronized Histogram nextInterval() {
        interval = recorder.getIntervalHistogram(interval);
        overall.add(interval);
        return interval;
    }

    /** Everything folded in by {@link #nextInterval()} so far. */
    public synchronized Histogram overall() {
        return overall.copy();
    }
}
