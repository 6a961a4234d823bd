package io.tributary.bench;

import io.tributary.hub.client.AdminClient;
import io.tributary.hub.client.ConsumerRecord;
import io.tributary.hub.client.ReadPosition;
import io.tributary.hub.client.ShardReader;
import io.tributary.hub.client.ShardReaderOptions;
import io.tributary.hub.client.core.ClientOptions;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.sim.report.JsonWriter;
import java.time.Duration;
import java.util.List;

/**
 * Catch-up read of one shard through the consumer protocol as a user sees it: a {@link ShardReader} push
 * subscription from the trim horizon, every record decoded, until a given sequence. Thread-safe (stateless).
 */
final class ProtocolCatchUp {
    /** Records the hub may push ahead of the reader; large so the catch-up is not bound by round trips. */
    static final int CREDIT_RECORDS = 100_000;

    static final long CREDIT_BYTES = 32L << 20;

    /** Records read and the seconds it took. */
    record Result(long records, double seconds) {
        double perSecond() {
            return records / seconds;
        }

        /** The {@code read_protocol_*} fields of {@code bench hub}'s result line. */
        void json(JsonWriter json) {
            json.field("read_protocol_records", records).field("read_protocol_records_per_s", perSecond(), 0);
        }
    }

    private ProtocolCatchUp() {}

    /**
     * Times a catch-up read of the whole of {@code shardId} (its end as the admin API describes it), after one
     * unmeasured read to warm the JIT and the page cache.
     */
    static Result timeWholeShard(ClientResources resources, ClientOptions client, String stream, String shardId)
            throws InterruptedException {
        long end;
        try (AdminClient admin = AdminClient.connect(resources, client)) {
            end = admin.describeStream(stream).getShardsList().stream()
                    .filter(s -> s.getShardId().equals(shardId))
                    .findFirst()
                    .orElseThrow()
                    .getNextSequence();
        }
        read(resources, client, stream, shardId, end);
        Result r = read(resources, client, stream, shardId, end);
        System.err.printf(
                "catch-up read of %s through the consumer protocol (ShardReader, decoded): %,d records, %,.0f"
                        + " records/s%n",
                shardId, r.records(), r.perSecond());
        return r;
    }

    /** Reads {@code shardId} from the trim horizon until every sequence below {@code end} was returned. */
    static Result read(ClientResources resources, ClientOptions client, String stream, String shardId, long end)
            throws InterruptedException {
        long start = System.nanoTime();
        long count = 0;
        try (ShardReader reader = ShardReader.open(
                resources,
                client,
                ShardReaderOptions.of(stream, shardId, ReadPosition.trimHorizon())
                        .withCredit(CREDIT_RECORDS, CREDIT_BYTES))) {
            long idleSince = System.nanoTime();
            while (true) {
                List<ConsumerRecord> records = reader.poll(Duration.ofMillis(200));
                if (!records.isEmpty()) {
                    count += records.size();
                    idleSince = System.nanoTime();
                    if (records.get(records.size() - 1).sequence() >= end - 1) {
                        break;
                    }
                } else if (System.nanoTime() - idleSince > 30_000_000_000L) {
                    throw new IllegalStateException(
                            "catch-up read of " + shardId + " stalled at " + reader.position() + " of " + end);
                }
            }
        }
        return new Result(count, (System.nanoTime() - start) / 1e9);
    }
}
