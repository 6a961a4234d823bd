package io.tributary.bench;

import java.io.IOException;
import java.util.function.BooleanSupplier;

/**
 * MQTT 3.1.1 QoS 1 publishers on loopback for {@code bench edge}: {@link CLoadGen} (the independent C generator) or
 * {@link JavaLoadGen} (the fallback). Topics {@code tributary/g<conn % 4>/d<conn>/temp}.
 */
interface LoadGenerator {

    /** {@code "c"} or {@code "java"}. */
    String name();

    /**
     * Runs one load: connects, publishes for {@code warmup + duration} seconds (or until {@code stop} says so, where
     * the generator supports that), waits a bounded time for the outstanding PUBACKs, and reports.
     *
     * @throws IOException when the generator could not run at all
     */
    LoadResult run(Spec spec, BooleanSupplier stop) throws IOException, InterruptedException;

    /**
     * One load.
     *
     * @param port MQTT port on 127.0.0.1
     * @param conns connections
     * @param window unacknowledged publishes per connection at most
     * @param rate total publishes/s, open loop; 0 = as fast as the window allows
     * @param payloadBytes payload bytes per publish
     * @param warmupSeconds unmeasured seconds first
     * @param durationSeconds measured seconds
     */
    record Spec(
            int port,
            int conns,
            int window,
            double rate,
            int payloadBytes,
            double warmupSeconds,
            double durationSeconds) {

        Spec withPort(int p) {
            return new Spec(p, conns, window, rate, payloadBytes, warmupSeconds, durationSeconds);
        }

        Spec withRate(double r) {
            return new Spec(port, conns, window, r, payloadBytes, warmupSeconds, durationSeconds);
        }

        Spec withTimes(double warmup, double duration) {
            return new Spec(port, conns, window, rate, payloadBytes, warmup, duration);
        }

        /** How long a run may take at most before it is abandoned: its time plus connecting and draining. */
        long boundSeconds() {
            return (long) Math.ceil(warmupSeconds + durationSeconds) + 60;
        }
    }
}
