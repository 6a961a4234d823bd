package io.tributary.sim.bench;

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
 * @param cpuSeconds edge CPU-seconds while they were opened and held
 * @param note why fewer were opened, or null
 */
record IdlePhase(int requested, int opened, long rssBefore, long rssIdle, double cpuSeconds, String note)
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
            return new IdlePhase(
                    requested, idle.opened(), rssBefore, rssIdle, ProcStats.cpuSeconds(edgePid) - cpu0, note);
        }
    }

    void json(JsonWriter w) {
        w.field("idle_conns_requested", requested)
                .field("idle_conns_open", opened)
                .field("rss_mb_before_idle", ProcStats.mb(rssBefore))
                .field("rss_mb_idle", ProcStats.mb(rssIdle))
                .field("idle_kb_per_conn", opened == 0 ? Double.NaN : (rssIdle - rssBefore) / 1024.0 / opened)
                .field("idle_cpu_s", cpuSeconds);
    }

    @Override
    public String describe() {
        return String.format(
                "%,d of %,d idle connections: edge RSS %.1f MB (before %.1f MB), %.2f CPU-s%s",
                opened,
                requested,
                ProcStats.mb(rssIdle),
                ProcStats.mb(rssBefore),
                cpuSeconds,
                note == null ? "" : " (" + note + ")");
    }
}
