package io.tributary.bench.demo;

import io.tributary.bench.pipeline.LocalPipeline;
import io.tributary.bench.pipeline.ReplicaLagSampler;
import io.tributary.bench.pipeline.ReplicaLagSampler.ShardLag;
import io.tributary.bench.pipeline.StoredShards;
import io.tributary.hub.client.AdminClient;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.protocol.v1.ShardDescription;
import io.tributary.sim.ack.AckLedger;
import io.tributary.sim.report.JsonWriter;
import io.tributary.sim.verify.HubRecordSource;
import io.tributary.sim.verify.Verifier;
import io.tributary.sim.verify.VerifyReport;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The demo's second region, checked after the load: the replica hub caught up with the home, every record the
 * verifier expects is there exactly once (read back from the replica with the client library's shard readers), and —
 * once both hubs stopped — each shard holds the same batches at the same sequences as at the home (next sequence and
 * a SHA-256 of the stored batches, {@link StoredShards}). Also how far the replica lagged, sampled during the run.
 * Immutable.
 *
 * @param region the replica region
 * @param caughtUp whether the replica had everything the home had within 30 s of the check's start
 * @param report the verifier's verdict over what the replica holds
 * @param shardIds the stream's shards
 * @param lags per shard: the lag sampled last and the largest sampled
 * @param homeStore per shard, the home's stored batches (empty until {@link #withStores})
 * @param replicaStore per shard, the replica's stored batches (empty until {@link #withStores})
 * @param storeError why the stores could not be compared, or empty
 */
record ReplicaCheck(
        String region,
        boolean caughtUp,
        VerifyReport report,
        List<String> shardIds,
        Map<String, ShardLag> lags,
        Map<String, String> homeStore,
        Map<String, String> replicaStore,
        String storeError) {

    private static final Duration CATCH_UP = Duration.ofSeconds(30);

    /** How often the demo samples the replica's lag. */
    static final Duration SAMPLE_PERIOD = Duration.ofMillis(200);

    /**
     * While both hubs run: waits (30 s at most) for the replica to have everything the home has, then reads the stream
     * back from the replica and counts it against {@code ledger} (30 s at most).
     */
    static ReplicaCheck whileRunning(
            LocalPipeline p,
            ClientResources resources,
            AckLedger ledger,
            long notBeforeMicros,
            ReplicaLagSampler sampler)
            throws Exception {
        boolean caughtUp = sampler.awaitCaughtUp(CATCH_UP);
        List<String> shardIds;
        try (AdminClient admin = AdminClient.connect(resources, p.clientOptions())) {
            shardIds = admin.describeStream(p.stream()).getShardsList().stream()
                    .map(ShardDescription::getShardId)
                    .toList();
        }
        Verifier verifier = new Verifier(ledger);
        try (HubRecordSource source = HubRecordSource.open(
                resources, p.replicaClientOptions(), p.stream(), Clock.systemUTC(), notBeforeMicros)) {
            verifier.drain(source, CATCH_UP, Clock.systemUTC());
            verifier.unparseable(source.unparseable());
        }
        return new ReplicaCheck(
                p.replicaRegion(), caughtUp, verifier.report(), shardIds, sampler.shards(), Map.of(), Map.of(), "");
    }

    /** After both hubs stopped: adds what each stores of the stream. */
    ReplicaCheck withStores(LocalPipeline p) {
        try {
            return new ReplicaCheck(
                    region,
                    caughtUp,
                    report,
                    shardIds,
                    lags,
                    StoredShards.digest(p.dir().resolve("hub"), p.stream(), shardIds),
                    StoredShards.digest(p.replicaHubDir(), p.stream(), shardIds),
                    "");
        } catch (RuntimeException e) {
            return new ReplicaCheck(region, caughtUp, report, shardIds, lags, Map.of(), Map.of(), e.toString());
        }
    }

    /** Both stores were read and every shard is the same at both. */
    boolean identical() {
        return storeError.isEmpty() && !homeStore.isEmpty() && homeStore.equals(replicaStore);
    }

    boolean passed() {
        return caughtUp && report.lost() == 0 && report.duplicated() == 0 && identical();
    }

    private long maxOf(java.util.function.ToLongFunction<ShardLag> f) {
        return lags.values().stream().mapToLong(f).max().orElse(0);
    }

    /** The human summary: the replica's verdict, its stores, its lag per shard. */
    String text(String homeRegion) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(
                Locale.ROOT,
                "region %s (replica of %s, ack local): %s; read back from it: %,d records, lost %d, duplicated %d,"
                        + " out of order %d%n",
                region,
                homeRegion,
                caughtUp ? "caught up" : "did NOT catch up within 30 s",
                report.observedTotal(),
                report.lost(),
                report.duplicated(),
                report.outOfOrder()));
        b.append(String.format(
                Locale.ROOT,
                "  stored batches at %s and %s (next sequence and SHA-256 per shard): %s%n",
                homeRegion,
                region,
                identical() ? "identical" : storeError.isEmpty() ? "DIFFERENT" : "not compared: " + storeError));
        for (String shard : shardIds) {
            if (!identical() && homeStore.containsKey(shard)) {
                b.append(String.format(
                        Locale.ROOT,
                        "    %s  %s: %s  %s: %s%n",
                        shard,
                        homeRegion,
                        homeStore.get(shard),
                        region,
                        replicaStore.get(shard)));
            }
        }
        b.append(String.format(
                Locale.ROOT,
                "replication lag %s -> %s per shard, sampled every %d ms (largest / last):%n",
                homeRegion,
                region,
                SAMPLE_PERIOD.toMillis()));
        for (String shard : shardIds) {
            ShardLag l = lags.get(shard);
            b.append(
                    l == null
                            ? String.format(Locale.ROOT, "  %-14s no sample%n", shard)
                            : String.format(
                                    Locale.ROOT,
                                    "  %-14s largest %,d records / %,d ms   last %,d records / %,d ms%n",
                                    shard,
                                    l.maxRecords(),
                                    l.maxMs(),
                                    l.records(),
                                    l.ms()));
        }
        return b.toString();
    }

    /** The replica's fields of the demo's JSON line. */
    void json(JsonWriter json) {
        json.field("replica_region", region)
                .field("replica_caught_up", caughtUp)
                .field("replica_observed", report.observedTotal())
                .field("replica_lost", report.lost())
                .field("replica_duplicated", report.duplicated())
                .field("replica_out_of_order", report.outOfOrder())
                .field("replica_identical", identical())
                .field("replication_lag_max_records", maxOf(ShardLag::maxRecords))
                .field("replication_lag_max_ms", maxOf(ShardLag::maxMs))
                .field("replication_lag_last_records", maxOf(ShardLag::records))
                .field("replication_lag_last_ms", maxOf(ShardLag::ms));
    }
}
