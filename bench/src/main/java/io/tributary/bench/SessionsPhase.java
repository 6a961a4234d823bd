package io.tributary.bench;

import io.tributary.bench.pipeline.ProcStats;
import io.tributary.sim.report.JsonWriter;
import java.io.IOException;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Persistent sessions: {@code count} clients connect with clean session 0, subscribe at QoS 1 to a topic of their own
 * ({@code local/s/<i>}) and disconnect, {@code concurrency} at a time, bounded in time; after a settle time the broker's
 * resident memory (from {@code /proc}) and, for the edge, its heap after a full GC.
 *
 * @param requested sessions asked for
 * @param created sessions whose SUBACK came before the DISCONNECT
 * @param seconds how long creating them took
 * @param rssBefore broker RSS bytes before
 * @param rss broker RSS bytes with the sessions stored
 * @param rssAnon of that, anonymous memory
 * @param heapAfterGc Java heap bytes in use after a full GC (edge), else -1
 * @param note why fewer were created, or null
 */
record SessionsPhase(
        int requested,
        long created,
        double seconds,
        long rssBefore,
        long rss,
        long rssAnon,
        long heapAfterGc,
        String note)
        implements Phases.Result {

    static SessionsPhase run(
            PubSubBroker broker, int count, int concurrency, double timeoutSeconds, double settleSeconds)
            throws InterruptedException {
        long rssBefore = ProcStats.residentBytes(broker.pid());
        String prefix = "session-" + ProcessHandle.current().pid() + "-";
        long start = System.nanoTime();
        long deadline = start + (long) (timeoutSeconds * 1e9);
        long created = 0;
        String note = null;
        while (created < count) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                note = "time limit of " + timeoutSeconds + " s";
                break;
            }
            int base = (int) created;
            int n = (int) Math.min(concurrency, count - created);
            try (Subscribers wave = Subscribers.open(
                    broker.port(),
                    n,
                    i -> prefix + (base + i),
                    i -> "local/s/" + (base + i),
                    1,
                    false,
                    Subscribers.COUNT_ONLY,
                    Duration.ofNanos(left))) {
                created += n;
            } catch (IOException e) {
                note = "after " + created + ": " + e.getMessage();
                break;
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        long settleEnd = System.nanoTime() + (long) (settleSeconds * 1e9);
        for (long left; (left = settleEnd - System.nanoTime()) > 0; ) {
            LockSupport.parkNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)));
        }
        long rss = ProcStats.residentBytes(broker.pid());
        long anon = ProcStats.residentAnonBytes(broker.pid());
        return new SessionsPhase(count, created, seconds, rssBefore, rss, anon, broker.heapAfterGc(), note);
    }

    void json(JsonWriter w, String p) {
        w.field(p + "sessions_requested", requested)
                .field(p + "sessions_created", created)
                .field(p + "sessions_s", seconds)
                .field(p + "sessions_rss_mb_before", ProcStats.mb(rssBefore))
                .field(p + "sessions_rss_mb", ProcStats.mb(rss))
                .field(p + "sessions_rss_anon_mb", ProcStats.mb(rssAnon))
                .field(p + "sessions_heap_after_gc_mb", ProcStats.mb(heapAfterGc));
    }

    @Override
    public String describe() {
        return String.format(
                Locale.ROOT,
                "%,d of %,d persistent sessions in %.1f s; RSS %.1f MB (anonymous %.1f; before %.1f)%s%s",
                created,
                requested,
                seconds,
                ProcStats.mb(rss),
                ProcStats.mb(rssAnon),
                ProcStats.mb(rssBefore),
                heapAfterGc >= 0
                        ? String.format(Locale.ROOT, ", heap after GC %.1f MB", ProcStats.mb(heapAfterGc))
                        : "",
                note == null ? "" : " (" + note + ")");
    }
}
