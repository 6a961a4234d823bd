package io.tributary.bench;

import io.tributary.bench.pipeline.ProcStats;
import io.tributary.sim.report.JsonWriter;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Resident memory of the edge agent with many idle MQTT connections: RSS before, then with the connections open
 * after a settle time. The count is capped by the open-files limits of this JVM and of the edge (the JVMs raise their
 * soft limit to the hard one; beyond that only root could raise it), and the cap is reported.
 *
 * @param requested connections asked for
 * @param opened connections open when RSS was read
 * @param rssBefore edge RSS bytes before
 * @param rssIdle edge RSS bytes with the connections open
 * @param rssAnonIdle of that, anonymous memory (heap, stacks, native), without mapped files
 * @param cpuSeconds edge CPU-seconds while they were opened and held
 * @param note why fewer were opened, or null
 */
record IdlePhase(
        int requested, int opened, long rssBefore, long rssIdle, long rssAnonIdle, double cpuSeconds, String note)
        implements Phases.Result {
    private static final int FD_MARGIN = 256;

    static IdlePhase run(long edgePid, int port, int requested, double settleSeconds, double timeoutSeconds) {
        long self = ProcessHandle.current().pid();
        long selfRoom = ProcStats.openFileLimit(self) - ProcStats.openFiles(self) - FD_MARGIN;
        long edgeRoom = ProcStats.openFileLimit(edgePid) - ProcStats.openFiles(edgePid) - FD_MARGIN;
        int n = (int) Math.max(0, Math.min(requested, Math.min(selfRoom, edgeRoom)));
        String note = null;
        if (n < requested) {
            note = String.format(
                    "open-files limits (bench %d, edge %d; raise ulimit -n) allow %d of %d idle connections",
                    ProcStats.openFileLimit(self), ProcStats.openFileLimit(edgePid), n, requested);
        }
        long rssBefore = ProcStats.residentBytes(edgePid);
        double cpu0 = ProcStats.cpuSeconds(edgePid);
        long deadline = System.nanoTime() + (long) (timeoutSeconds * 1e9);
        try (IdleConnections idle = IdleConnections.open(port, n, deadline)) {
            if (idle.failure() != null) {
                note = (note == null ? "" : note + "; ") + "opened " + idle.opened() + ": " + idle.failure();
            }
            long settleEnd = System.nanoTime() + (long) (settleSeconds * 1e9);
            for (long left; (left = settleEnd - System.nanoTime()) > 0; ) {
                LockSupport.parkNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)));
            }
            long rssIdle = ProcStats.residentBytes(edgePid);
            long anon = ProcStats.residentAnonBytes(edgePid);
            return new IdlePhase(
                    requested, idle.opened(), rssBefore, rssIdle, anon, ProcStats.cpuSeconds(edgePid) - cpu0, note);
        }
    }

    /** {@code <p>conns_open}, {@code <p>rss_mb} (with the connections), {@code <p>rss_mb_before}, ... */
    void json(JsonWriter w, String p) {
        w.field(p + "conns_requested", requested)
                .field(p + "conns_open", opened)
                .field(p + "rss_mb_before", ProcStats.mb(rssBefore))
                .field(p + "rss_mb", ProcStats.mb(rssIdle))
                .field(p + "rss_anon_mb", ProcStats.mb(rssAnonIdle))
                .field(p + "kb_per_conn", opened == 0 ? Double.NaN : (rssIdle - rssBefore) / 1024.0 / opened)
                .field(p + "cpu_s", cpuSeconds);
    }

    @Override
    public String describe() {
        return String.format(
                "%,d of %,d idle connections: edge RSS %.1f MB (anonymous %.1f MB; before %.1f MB), %.2f CPU-s%s",
                opened,
                requested,
                ProcStats.mb(rssIdle),
                ProcStats.mb(rssAnonIdle),
                ProcStats.mb(rssBefore),
                cpuSeconds,
                note == null ? "" : " (" + note + ")");
    }
}
