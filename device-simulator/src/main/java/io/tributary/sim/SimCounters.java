package io.tributary.sim;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Live counters of a run, read each second by the reporter. Threads: all fields are safe for concurrent use.
 */
public final class SimCounters {
    /** Publishes handed to the client. */
    public final LongAdder published = new LongAdder();
    /** Success acknowledgements (QoS 1/2). */
    public final LongAdder acked = new LongAdder();
    /** MQTT 5 negative acknowledgements. */
    public final LongAdder refused = new LongAdder();
    /** Publishes the client gave up on. */
    public final LongAdder failed = new LongAdder();
    /** Tokens spent without a publish because no device of the chosen group was connected. */
    public final LongAdder skipped = new LongAdder();
    /** Successful connects, including reconnects. */
    public final LongAdder connects = new LongAdder();
    /** Failed connection attempts. */
    public final LongAdder connectFailures = new LongAdder();
    /** Connections the broker or network ended. */
    public final LongAdder unexpectedDisconnects = new LongAdder();
    /** Devices connected now. */
    public final AtomicInteger connected = new AtomicInteger();
    /** QoS 1/2 publishes waiting for an acknowledgement now. */
    public final AtomicInteger inflight = new AtomicInteger();

    /** Errors for the live line: refused + failed publishes + failed connects + unexpected disconnects. */
    public long errors() {
        return refused.sum() + failed.sum() + connectFailures.sum() + unexpectedDisconnects.sum();
    }
}
