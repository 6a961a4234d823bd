package io.tributary.sim.verify;

import io.tributary.sim.payload.MessageIdentity;
import io.tributary.sim.payload.ParseResult;
import io.tributary.sim.payload.PayloadCodec;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * A {@link RecordSource} fed in-process: whoever observes payloads (e.g. a test {@code PublishSink}) calls
 * {@link #offerPayload}; the verifier polls. Unparseable payloads are counted, not queued.
 *
 * <p>Threads: {@code offer*} from any threads; {@link #poll} from one thread.
 */
public final class QueueRecordSource implements RecordSource {

    private static final int MAX_BATCH = 100_000;

    private final LinkedBlockingQueue<ObservedRecord> queue = new LinkedBlockingQueue<>();
    private final LongAdder unparseable = new LongAdder();

    public void offer(ObservedRecord record) {
        queue.add(record);
    }

    /** Parses {@code payload} with {@link PayloadCodec#parse}; returns false (and counts it) when that fails. */
    public boolean offerPayload(byte[] payload, long observeTimeMicros) {
        ParseResult parsed = PayloadCodec.parse(payload);
        if (parsed.identity().isEmpty()) {
            unparseable.increment();
            return false;
        }
        MessageIdentity id = parsed.identity().get();
        queue.add(new ObservedRecord(id.deviceId(), id.seq(), id.sendTimeMicros(), observeTimeMicros));
        return true;
    }

    /** Payloads refused by {@link #offerPayload}. */
    public long unparseable() {
        return unparseable.sum();
    }

    @Override
    public int poll(Duration timeout, Consumer<ObservedRecord> sink) throws InterruptedException {
        ObservedRecord first = queue.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
        if (first == null) {
            return 0;
        }
        sink.accept(first);
        int n = 1;
        while (n < MAX_BATCH) {
            ObservedRecord r = queue.poll();
            if (r == null) {
                break;
            }
            sink.accept(r);
            n++;
        }
        return n;
    }
}
