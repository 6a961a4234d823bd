package io.tributary.bench;

import io.tributary.bench.pipeline.ProcStats;
import io.tributary.sim.report.JsonWriter;
import org.HdrHistogram.Histogram;

/**
 * What one measured write phase of {@code bench hub --store pulsar|all} gave: records acknowledged, time, per-batch
 * ack latency, and the CPU-seconds of the hub, the broker and the bench JVM (the load's client) during it; NaN for a
 * process the phase does not have (the raw Pulsar phase has no hub) or cannot measure (a broker the bench did not
 * start).
 *
 * @param offeredRate records/s offered (0: as fast as acknowledged)
 * @param timeUp the phase's time limit stopped it before every record was offered
 */
record WriteFigures(
        String target,
        String phase,
        long offeredRate,
        long records,
        long batches,
        double seconds,
        boolean timeUp,
        Histogram latency,
        double hubCpu,
        double brokerCpu,
        double clientCpu)
        implements Phases.Result {

    double recordsPerSecond() {
        return seconds > 0 ? records / seconds : 0;
    }

    double ms(double percentile) {
        return BenchHub.ms(latency, percentile);
    }

    /** Adds the figures under {@code <target>_<phase>_}. */
    void json(JsonWriter json) {
        String p = target + "_" + phase + "_";
        json.field(p + "offered_rate", offeredRate)
                .field(p + "records", records)
                .field(p + "batches", batches)
                .field(p + "time_up", timeUp)
                .field(p + "records_per_s", recordsPerSecond(), 0)
                .field(p + "ack_p50_ms", ms(50))
                .field(p + "ack_p99_ms", ms(99))
                .field(p + "ack_p999_ms", ms(99.9))
                .field(p + "hub_cpu_s_per_million", ProcStats.perMillion(hubCpu, records))
                .field(p + "broker_cpu_s_per_million", ProcStats.perMillion(brokerCpu, records))
                .field(p + "client_cpu_s_per_million", ProcStats.perMillion(clientCpu, records));
    }

    @Override
    public String describe() {
        return String.format(
                "%,d records in %.1f s = %,.0f records/s%s (offered %s); batch-ack p50 %.2f ms, p99 %.2f ms, p99.9"
                        + " %.2f ms; CPU-s per million records: hub %.2f, broker %.2f, client %.2f",
                records,
                seconds,
                recordsPerSecond(),
                timeUp ? " (ended by --phase-seconds)" : "",
                offeredRate == 0 ? "max" : offeredRate + "/s",
                ms(50),
                ms(99),
                ms(99.9),
                ProcStats.perMillion(hubCpu, records),
                ProcStats.perMillion(brokerCpu, records),
                ProcStats.perMillion(clientCpu, records));
    }
}
