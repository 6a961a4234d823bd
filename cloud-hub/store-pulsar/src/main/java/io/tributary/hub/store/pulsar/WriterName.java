package io.tributary.hub.store.pulsar;

import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Who writes a shard: the name of a store's exclusive producers, {@code tributary:<run>@<endpoint>}, where {@code
 * endpoint} is the hub's {@code HOST:PORT} (its {@code advertised-endpoint}; empty when the hub has none to give) and
 * {@code run} is {@code <pid>-<8 hex digits>} drawn at the store's start, so two runs of one hub (a restart) differ.
 * Another hub reads it from Pulsar (the broker's refusal of a second exclusive producer names the holder; the admin
 * API's topic stats list the publishers) and from the open markers ({@code tb.writer}, see {@link BatchMessages}), to
 * redirect producers to the writer and to say whom it took a shard over from.
 *
 * @param run what tells two runs of one hub apart
 * @param endpoint the hub's {@code HOST:PORT}; empty when unknown
 */
record WriterName(String run, String endpoint) {
    private static final String PREFIX = "tributary:";

    /** A name for a store starting now in this process, on the hub reached at {@code endpoint}. */
    static WriterName forThisProcess(String endpoint) {
        byte[] random = new byte[4];
        ThreadLocalRandom.current().nextBytes(random);
        return new WriterName(
                ProcessHandle.current().pid() + "-" + HexFormat.of().formatHex(random), endpoint);
    }

    /** The producer name this writer uses on every shard's topic. */
    String producerName() {
        return PREFIX + run + "@" + endpoint;
    }

    /** The writer named by {@code producerName}; empty when the producer is none of a Tributary store's. */
    static Optional<WriterName> parse(String producerName) {
        if (producerName == null || !producerName.startsWith(PREFIX)) {
            return Optional.empty();
        }
        int at = producerName.indexOf('@', PREFIX.length());
        if (at < 0) {
            return Optional.empty();
        }
        return Optional.of(new WriterName(producerName.substring(PREFIX.length(), at), producerName.substring(at + 1)));
    }

    /** For people: {@code 10.0.0.5:7400 (run 4711-9f3a2c1b)}. */
    @Override
    public String toString() {
        return (endpoint.isEmpty() ? "a hub with no advertised endpoint" : endpoint) + " (run " + run + ")";
    }
}
