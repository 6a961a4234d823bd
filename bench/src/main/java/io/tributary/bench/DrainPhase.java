package io.tributary.bench;

import io.tributary.bench.pipeline.ProcStats;
import io.tributary.sim.report.JsonWriter;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The backlog drain: with the hub stopped, the edge buffer is filled with {@code backlog} records through MQTT as fast
 * as they are acknowledged (in runs of the load generator, bounded by a time limit); then a paced live load starts
 * (the Java generator, which can be stopped), the hub starts again on its port, and the hub's stored-record count is
 * polled until it holds the backlog plus every live record acknowledged so far (or the time limit passes).
 *
 * @param filled records acknowledged into the buffer while the hub was down
 * @param drained records the hub stored during the drain (backlog and live)
 * @param live the live load during the drain
 */
record DrainPhase(
        long requested,
        long filled,
        double fillSeconds,
        double fillEdgeCpu,
        boolean complete,
        double drainSeconds,
        long drained,
        double drainEdgeCpu,
        double drainHubCpu,
        LoadResult live)
        implements Phases.Result {

    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
    private static final long REPORT_NANOS = TimeUnit.SECONDS.toNanos(10);

    static DrainPhase run(
            EdgeRig rig,
            LoadGenerator fillLoad,
            LoadGenerator.Spec spec,
            long backlog,
            double fillTimeoutSeconds,
            double drainTimeoutSeconds,
            double liveRate)
            throws IOException, InterruptedException {
        long base = rig.hubRecords();
        if (base < 0) {
            throw new IOException("the hub does not answer the admin client");
        }
        rig.stopHub();
        long edgePid = rig.edge().pid();
        double cpu0 = ProcStats.cpuSeconds(edgePid);
        long start = System.nanoTime();
        long fillDeadline = start + (long) (fillTimeoutSeconds * 1e9);
        long filled = 0;
        double rate = 0;
        while (filled < backlog && System.nanoTime() < fillDeadline) {
            double left = (fillDeadline - System.nanoTime()) / 1e9;
            double seconds = rate > 0 ? (backlog - filled) / rate : 1;
            seconds = Math.max(0.5, Math.min(Math.min(seconds, 10), left));
            LoadResult r = fillLoad.run(spec.withRate(0).withTimes(0, seconds), () -> false);
            filled += r.ackedTotal();
            rate = r.ackedTotal() / seconds;
            System.err.printf("bench edge: backlog %,d of %,d (%,.0f/s)%n", filled, backlog, rate);
            if (r.ackedTotal() == 0) {
                break; // the edge refuses (quota?) or does not answer: do not spin until the deadline
            }
        }
        double fillSeconds = (System.nanoTime() - start) / 1e9;
        double fillCpu = ProcStats.cpuSeconds(edgePid) - cpu0;
        System.err.printf("bench edge: hub starting again; drain with a live load of %,.0f/s%n", liveRate);

        rig.startHub();
        double edge0 = ProcStats.cpuSeconds(edgePid);
        double hub0 = rig.hub().cpuSeconds();
        long t0 = System.nanoTime();
        AtomicBoolean stopLive = new AtomicBoolean();
        AtomicLong liveAcked = new AtomicLong();
        LoadGenerator.Spec liveSpec = spec.withRate(liveRate).withTimes(0, drainTimeoutSeconds + 120);
        CompletableFuture<LoadResult> live = CompletableFuture.supplyAsync(
                () -> {
                    try {
                        return new JavaLoadGen().run(liveSpec, stopLive::get, liveAcked);
                    } catch (IOException | InterruptedException e) {
                        throw new CompletionException(e);
                    }
                },
                task -> {
                    Thread t = new Thread(task, "bench-drain-live-load");
                    t.setDaemon(true);
                    t.start();
                });
        try {
            long deadline = t0 + (long) (drainTimeoutSeconds * 1e9);
            long drained = 0;
            boolean complete = false;
            long tLast = t0;
            long nextReport = t0 + REPORT_NANOS;
            while (System.nanoTime() < deadline) {
                long wanted = filled + liveAcked.get();
                long n = rig.hubRecords();
                if (n >= 0) {
                    drained = n - base;
                    tLast = System.nanoTime();
                    if (drained >= wanted) {
                        complete = true;
                        break;
                    }
                    if (tLast >= nextReport) {
                        nextReport += REPORT_NANOS;
                        System.err.printf(
                                "bench edge: %,d of %,d at the hub after %.0f s%n",
                                drained, wanted, (tLast - t0) / 1e9);
                    }
                }
                LockSupport.parkNanos(POLL_NANOS);
            }
            double drainSeconds = (tLast - t0) / 1e9;
            double edgeCpu = ProcStats.cpuSeconds(edgePid) - edge0;
            double hubCpu = rig.hub().cpuSeconds() - hub0;
            stopLive.set(true);
            LoadResult liveResult = live.get(liveSpec.boundSeconds(), TimeUnit.SECONDS);
            return new DrainPhase(
                    backlog,
                    filled,
                    fillSeconds,
                    fillCpu,
                    complete,
                    drainSeconds,
                    drained,
                    edgeCpu,
                    hubCpu,
                    liveResult);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IOException("the live load of the drain phase failed: " + e, e);
        } finally {
            stopLive.set(true);
        }
    }

    double drainPerSecond() {
        return drainSeconds > 0 ? drained / drainSeconds : Double.NaN;
    }

    void json(JsonWriter w) {
        w.field("backlog_requested", requested)
                .field("backlog_filled", filled)
                .field("fill_s", fillSeconds)
                .field("fill_per_s", fillSeconds > 0 ? filled / fillSeconds : Double.NaN)
                .field("fill_cpu_s_per_million", ProcStats.perMillion(fillEdgeCpu, filled))
                .field("drain_complete", complete)
                .field("drain_s", drainSeconds)
                .field("drain_records", drained)
                .field("drain_records_per_s", drainPerSecond())
                .field("drain_backlog_per_s", drainSeconds > 0 ? filled / drainSeconds : Double.NaN)
                .field("drain_cpu_s_per_million", ProcStats.perMillion(drainEdgeCpu, drained))
                .field("drain_hub_cpu_s_per_million", ProcStats.perMillion(drainHubCpu, drained))
                .field("drain_live_target", live.rateTarget());
        live.json(w, "drain_live_");
    }

    @Override
    public String describe() {
        return String.format(
                "backlog %,d of %,d filled in %.1f s (%,.0f/s, %.2f edge CPU-s per million); drain %s: %,d records into"
                        + " the hub in %.1f s = %,.0f records/s (edge %.2f, hub %.2f CPU-s per million); live: %s",
                filled,
                requested,
                fillSeconds,
                fillSeconds > 0 ? filled / fillSeconds : 0,
                ProcStats.perMillion(fillEdgeCpu, filled),
                complete ? "complete" : "NOT complete (time limit)",
                drained,
                drainSeconds,
                drainPerSecond(),
                ProcStats.perMillion(drainEdgeCpu, drained),
                ProcStats.perMillion(drainHubCpu, drained),
                live.describe());
    }
}
