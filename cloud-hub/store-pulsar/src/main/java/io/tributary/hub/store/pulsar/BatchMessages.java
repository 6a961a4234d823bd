package io.tributary.hub.store.pulsar;

import io.tributary.hub.store.BatchToAppend;
import io.tributary.hub.store.ProducerKey;
import io.tributary.hub.store.StoredBatch;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import org.apache.pulsar.client.api.Message;

/**
 * How a batch is laid out in a Pulsar message. <b>Format 1:</b> the message value is the batch payload as the edge
 * sent it; the header is in string message properties, so any Pulsar tool can inspect it:
 *
 * <ul>
 *   <li>{@code tb.v} format version, {@code 1}
 *   <li>{@code tb.base} the shard sequence of the batch's first record (decimal); {@code tb.n} its record count
 *   <li>{@code tb.codec} codec id; {@code tb.at} append time (hub clock, epoch ms, non-decreasing per shard)
 *   <li>{@code tb.et0}, {@code tb.et1} first and last event time (epoch ms)
 *   <li>{@code tb.agent}, {@code tb.lane}, {@code tb.epoch} the producer key; {@code tb.p0}, {@code tb.p1} the
 *       producer run (first and last producer sequence)
 * </ul>
 *
 * <p>A message with {@code tb.kind=open} and an empty value is an <em>open marker</em>, written by a store when it
 * takes a shard's topic: it holds no records (see {@link PulsarShard}). Its {@code tb.writer} is the producer name of
 * the store that wrote it ({@link WriterName}; absent in markers of stores before it), so the next writer can say whom
 * it took the shard over from.
 *
 * <p>A message with {@code tb.kind=trim} and an empty value is a <em>trim marker</em>, written by the shard's writer
 * before retention lets Pulsar delete anything: {@code tb.oldest} is the oldest sequence still retained after that
 * trim (the trim horizon), {@code tb.next} the sequence of the first batch after the marker in the topic, {@code
 * tb.writer} as above. The store never lets Pulsar delete its newest trim marker, so a topic whose batches were all
 * trimmed still says where its sequences go on (see {@link ShardRetention}). A store of an earlier version does not
 * know the kind and fails to recover such a topic (bad batch header) rather than number it from 0 again.
 *
 * <p>Messages without {@code tb.v} are not the store's and make recovery fail. Stateless.
 */
final class BatchMessages {
    static final String VERSION = "tb.v";
    static final String KIND = "tb.kind";
    static final String KIND_OPEN = "open";
    static final String KIND_TRIM = "trim";
    static final String WRITER = "tb.writer";
    private static final String BASE = "tb.base";
    private static final String COUNT = "tb.n";
    private static final String CODEC = "tb.codec";
    private static final String APPEND_TIME = "tb.at";
    private static final String FIRST_EVENT = "tb.et0";
    private static final String LAST_EVENT = "tb.et1";
    private static final String AGENT = "tb.agent";
    private static final String LANE = "tb.lane";
    private static final String EPOCH = "tb.epoch";
    private static final String PRODUCER_FIRST = "tb.p0";
    private static final String PRODUCER_LAST = "tb.p1";
    private static final String OLDEST = "tb.oldest";
    private static final String NEXT = "tb.next";

    /** What a trim marker says: the oldest sequence retained after the trim, and the sequence after the marker. */
    record Trim(long oldest, long next) {}

    private BatchMessages() {}

    /** The properties of a batch stored at {@code base} with append time {@code appendTimeMs}. */
    static Map<String, String> properties(BatchToAppend b, long base, long appendTimeMs) {
        Map<String, String> p = new HashMap<>(16);
        p.put(VERSION, "1");
        p.put(BASE, Long.toString(base));
        p.put(COUNT, Integer.toString(b.recordCount()));
        p.put(CODEC, Integer.toString(b.codec()));
        p.put(APPEND_TIME, Long.toString(appendTimeMs));
        p.put(FIRST_EVENT, Long.toString(b.firstEventTimeMs()));
        p.put(LAST_EVENT, Long.toString(b.lastEventTimeMs()));
        p.put(AGENT, b.producer().agentId());
        p.put(LANE, b.producer().lane());
        p.put(EPOCH, Long.toString(b.producer().epoch()));
        p.put(PRODUCER_FIRST, Long.toString(b.producerFirstSeq()));
        p.put(PRODUCER_LAST, Long.toString(b.producerLastSeq()));
        return p;
    }

    /** Whether {@code m} is an open marker. */
    static boolean isMarker(Message<byte[]> m) {
        return KIND_OPEN.equals(m.getProperty(KIND));
    }

    /** The properties of a trim marker written by {@code writer}. */
    static Map<String, String> trimMarker(String writer, long oldest, long next) {
        return Map.of(
                VERSION,
                "1",
                KIND,
                KIND_TRIM,
                WRITER,
                writer,
                OLDEST,
                Long.toString(oldest),
                NEXT,
                Long.toString(next));
    }

    /**
     * What the trim marker {@code m} says; null when {@code m} is not one.
     *
     * @throws IllegalArgumentException when it is one and its numbers are missing or malformed
     */
    static Trim trimOf(Message<byte[]> m) {
        if (!KIND_TRIM.equals(m.getProperty(KIND))) {
            return null;
        }
        try {
            Trim t = new Trim(number(m, OLDEST), number(m, NEXT));
            if (t.oldest() < 0 || t.oldest() > t.next()) {
                throw new IllegalArgumentException("oldest " + t.oldest() + " not within 0.." + t.next());
            }
            return t;
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("message " + m.getMessageId() + " is a bad trim marker: " + e, e);
        }
    }

    /** The producer name of the store that wrote the open marker {@code m}; null when it does not say. */
    static String writerOf(Message<byte[]> m) {
        return m.getProperty(WRITER);
    }

    /**
     * The batch held by {@code m}, which is not a marker.
     *
     * @throws IllegalArgumentException when {@code m} is not a batch of format 1
     */
    static StoredBatch decode(Message<byte[]> m) {
        if (!"1".equals(m.getProperty(VERSION))) {
            throw new IllegalArgumentException("message " + m.getMessageId() + " is not a Tributary batch (format "
                    + m.getProperty(VERSION) + ")");
        }
        try {
            return new StoredBatch(
                    number(m, BASE),
                    Math.toIntExact(number(m, COUNT)),
                    Math.toIntExact(number(m, CODEC)),
                    number(m, APPEND_TIME),
                    number(m, FIRST_EVENT),
                    number(m, LAST_EVENT),
                    new ProducerKey(text(m, AGENT), text(m, LANE), number(m, EPOCH)),
                    number(m, PRODUCER_FIRST),
                    number(m, PRODUCER_LAST),
                    ByteBuffer.wrap(m.getValue()).asReadOnlyBuffer());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("message " + m.getMessageId() + " has a bad batch header: " + e, e);
        }
    }

    private static long number(Message<byte[]> m, String key) {
        return Long.parseLong(text(m, key));
    }

    private static String text(Message<byte[]> m, String key) {
        String v = m.getProperty(key);
        if (v == null) {
            throw new IllegalArgumentException("property " + key + " missing");
        }
        return v;
    }
}
