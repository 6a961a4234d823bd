package io.tributary.sim.verify;

import io.tributary.sim.ack.AckLedger;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs a {@link Verifier} while the simulator is still publishing, so that records are counted as they arrive (the
 * source's queue stays short and end-to-end latency is that of a live consumer), then finishes with a bounded drain
 * once the run is over.
 *
 * <p>Threads: one background thread ({@code sim-verify}) owns the verifier until {@link #finish}, which joins it and
 * continues on the caller's thread. {@link #observed} from any thread.
 */
public final class LiveVerification implements AutoCloseable {

    private final Verifier verifier;
    private final RecordSource source;
    private final Thread thread;
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    private volatile boolean stopping;
    private volatile long observed;

    private LiveVerification(AckLedger ledger, RecordSource source) {
        this.verifier = new Verifier(ledger);
        this.source = source;
        this.thread = new Thread(this::loop, "sim-verify");
        this.thread.setDaemon(true);
    }

    /** Starts counting what {@code source} delivers against {@code ledger}. */
    public static LiveVerification start(AckLedger ledger, RecordSource source) {
        LiveVerification v = new LiveVerification(ledger, source);
        v.thread.start();
        return v;
    }

    private void loop() {
        try {
            while (!stopping) {
                int n = source.poll(Duration.ofMillis(100), verifier::observe);
                observed += n;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            failure.set(e);
        }
    }

    /** Records counted so far (approximate while running). */
    public long observed() {
        return observed;
    }

    /**
     * Stops the live thread and drains {@code source} until everything acknowledged was observed or {@code timeout}
     * passed, then reports. Call after the simulator's run returned (its ledger is final).
     *
     * @throws Exception when the source failed
     */
    public VerifyReport finish(Duration timeout, Clock clock) throws Exception {
        stopping = true;
        thread.join();
        Exception f = failure.get();
        if (f != null) {
            throw f;
        }
        verifier.drain(source, timeout, clock);
        if (source instanceof HubRecordSource hub) {
            verifier.unparseable(hub.unparseable());
        }
        return verifier.report();
    }

    /** Stops the live thread if {@link #finish} was not called; does not close the source. */
    @Override
    public void close() {
        stopping = true;
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
