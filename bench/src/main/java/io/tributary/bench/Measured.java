package io.tributary.bench;

import io.tributary.bench.pipeline.ProcStats;
import io.tributary.sim.report.JsonWriter;

/**
 * One load phase against a broker (the edge agent or Mosquitto): the generator's result and the broker's CPU-seconds
 * during it (warm-up included, like the acknowledged total it is divided by).
 */
record Measured(LoadResult load, double cpuSeconds) implements Phases.Result {

    /** Runs {@code spec} with {@code gen} and reads the CPU time of {@code brokerPid} around it. */
    static Measured run(LoadGenerator gen, LoadGenerator.Spec spec, long brokerPid) throws Exception {
        double cpu0 = ProcStats.cpuSeconds(brokerPid);
        LoadResult r = gen.run(spec, () -> false);
        return new Measured(r, ProcStats.cpuSeconds(brokerPid) - cpu0);
    }

    /** CPU-seconds per million publishes acknowledged. */
    double perMillion() {
        return ProcStats.perMillion(cpuSeconds, load.ackedTotal());
    }

    /** {@code a}'s publishes/s over {@code b}'s; NaN when either is missing. */
    static double ratio(Measured a, Measured b) {
        return a == null || b == null || b.load().perSecond() <= 0
                ? Double.NaN
                : a.load().perSecond() / b.load().perSecond();
    }

    /** Adds the figures with {@code prefix}; nothing when {@code m} is null (the phase failed). */
    static void json(JsonWriter json, String prefix, Measured m) {
        if (m != null) {
            m.load().json(json, prefix);
            json.field(prefix + "cpu_s_per_million", m.perMillion());
        }
    }

    @Override
    public String describe() {
        return String.format("%s; %.2f CPU-s per million", load.describe(), perMillion());
    }
}
