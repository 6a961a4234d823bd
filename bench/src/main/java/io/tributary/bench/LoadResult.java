package io.tributary.bench;

import io.tributary.sim.report.JsonWriter;

/**
 * What one load run measured. Latencies are PUBACK latencies (queueing the PUBLISH to reading its PUBACK) of the
 * publishes sent in the measured window; {@code perSecond} is those publishes acknowledged per measured second.
 *
 * @param generator {@code c} or {@code java}
 * @param rateTarget offered publishes/s (0: as fast as the window allows)
 * @param measuredSeconds length of the measured window
 * @param measuredAcked publishes of the measured window acknowledged
 * @param sentTotal publishes sent, warm-up included
 * @param ackedTotal publishes acknowledged, warm-up included
 * @param deadConns connections closed by the broker or never opened
 * @param unackedAtEnd publishes still unacknowledged when the run gave up waiting
 */
record LoadResult(
        String generator,
        double rateTarget,
        double measuredSeconds,
        long measuredAcked,
        double perSecond,
        double p50Ms,
        double p99Ms,
        double p999Ms,
        double maxMs,
        long sentTotal,
        long ackedTotal,
        int deadConns,
        long unackedAtEnd) {

    /** Adds this run's figures as {@code <prefix>msgs_per_s}, {@code <prefix>p99_ms}, ... */
    void json(JsonWriter w, String prefix) {
        w.field(prefix + "msgs_per_s", perSecond)
                .field(prefix + "p50_ms", p50Ms)
                .field(prefix + "p99_ms", p99Ms)
                .field(prefix + "p999_ms", p999Ms)
                .field(prefix + "max_ms", maxMs)
                .field(prefix + "acked_total", ackedTotal)
                .field(prefix + "dead_conns", deadConns);
    }

    String describe() {
        return String.format(
                java.util.Locale.ROOT,
                "%,.0f publishes/s (offered %s), PUBACK ms p50 %.2f p99 %.2f p99.9 %.2f max %.2f; acked %,d of %,d"
                        + " sent; dead connections %d, unacked at end %d [%s]",
                perSecond,
                rateTarget > 0 ? String.format(java.util.Locale.ROOT, "%,.0f/s", rateTarget) : "max",
                p50Ms,
                p99Ms,
                p999Ms,
                maxMs,
                ackedTotal,
                sentTotal,
                deadConns,
                unackedAtEnd,
                generator);
    }
}
