package io.tributary.bench;

import io.netty.buffer.ByteBuf;
import io.tributary.sim.report.JsonWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.BitSet;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Retained messages: {@link RetainedLoad} stores up to {@code count} of them (QoS 1, one topic each, bounded in time),
 * then one new subscriber to {@code #} connects; the figure is the time from its CONNECT until it has received every
 * stored one (each topic counted once, with the RETAIN flag), bounded by {@code readTimeout}, and given up after 5 s
 * without a new one.
 *
 * @param requested retained messages asked for
 * @param stored of them acknowledged by the broker
 * @param storeSeconds how long publishing them took
 * @param received distinct retained topics the new subscriber got
 * @param complete whether it got all that were stored
 * @param seconds CONNECT to the last one received (to the end of the wait when none was)
 */
record RetainedPhase(int requested, long stored, double storeSeconds, long received, boolean complete, double seconds)
        implements Phases.Result {

    private static final long QUIET_NANOS = TimeUnit.SECONDS.toNanos(5);

    /** Runs the phase against a fresh {@code broker}; the subscriber subscribes at {@code qos}. */
    static RetainedPhase run(
            PubSubBroker broker, int count, int payloadBytes, int qos, double storeTimeout, double readTimeout)
            throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        long stored = RetainedLoad.publish(broker.port(), count, 4, 250, payloadBytes, storeTimeout);
        double storeSeconds = (System.nanoTime() - t0) / 1e9;
        if (stored == 0) {
            throw new IOException("no retained message was acknowledged within " + storeTimeout + " s");
        }
        Topics topics = new Topics(count);
        long start = System.nanoTime();
        long deadline = start + (long) (readTimeout * 1e9);
        try (Subscribers sub = Subscribers.open(
                broker.port(),
                1,
                i -> "retained-reader-" + ProcessHandle.current().pid(),
                i -> "#",
                qos,
                true,
                topics,
                Duration.ofNanos(Math.max(1, deadline - System.nanoTime())))) {
            // A broker that drops what does not fit its queue (Mosquitto's max_queued_messages) sends no more.
            long subscribed = System.nanoTime();
            while (topics.distinct < stored && System.nanoTime() < deadline) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
                long last = topics.distinct == 0 ? subscribed : topics.lastNewAt;
                if (System.nanoTime() - last > QUIET_NANOS) {
                    break;
                }
            }
            long got = topics.distinct;
            boolean complete = got >= stored;
            double seconds = ((got > 0 ? topics.lastNewAt : System.nanoTime()) - start) / 1e9;
            return new RetainedPhase(count, stored, storeSeconds, got, complete, seconds);
        }
    }

    /** The retained topics {@code local/r/<i>} received, each once; written on the loop, read by polling. */
    private static final class Topics implements Subscribers.Sink {
        private static final byte[] PREFIX = RetainedLoad.TOPIC_PREFIX.getBytes(StandardCharsets.US_ASCII);
        private final BitSet seen;
        private final int count;
        volatile long distinct;
        volatile long lastNewAt;

        Topics(int count) {
            this.count = count;
            this.seen = new BitSet(count);
        }

        @Override
        public boolean publish(int s, boolean retain, ByteBuf in, int topic, int topicLength, int payload, int end) {
            if (!retain || topicLength <= PREFIX.length) {
                return true;
            }
            for (int k = 0; k < PREFIX.length; k++) {
                if (in.getByte(topic + k) != PREFIX[k]) {
                    return true;
                }
            }
            int i = 0;
            for (int at = topic + PREFIX.length; at < topic + topicLength; at++) {
                int d = in.getByte(at) - '0';
                if (d < 0 || d > 9 || i > count) {
                    return true;
                }
                i = i * 10 + d;
            }
            if (i < count && !seen.get(i)) {
                seen.set(i);
                lastNewAt = System.nanoTime();
                distinct = distinct + 1; // one writer: the loop
            }
            return true;
        }
    }

    void json(JsonWriter w, String p) {
        w.field(p + "retained_requested", requested)
                .field(p + "retained_stored", stored)
                .field(p + "retained_store_s", storeSeconds)
                .field(p + "retained_received", received)
                .field(p + "retained_complete", complete)
                .field(p + "retained_s", seconds);
    }

    @Override
    public String describe() {
        return String.format(
                Locale.ROOT,
                "%,d of %,d retained stored in %.2f s; a new subscriber to # got %,d of them in %.3f s%s",
                stored,
                requested,
                storeSeconds,
                received,
                seconds,
                complete ? "" : " (incomplete)");
    }
}
