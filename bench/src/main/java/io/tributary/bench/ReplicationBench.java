package io.tributary.bench;

import io.tributary.bench.pipeline.ProcStats;
import io.tributary.bench.pipeline.ReplicaLagSampler;
import io.tributary.hub.client.AdminClient;
import io.tributary.hub.client.Producer;
import io.tributary.hub.client.ProducerOptions;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.protocol.v1.AckLevel;
import io.tributary.protocol.v1.CreateStream;
import io.tributary.protocol.v1.PartitionKeyMode;
import io.tributary.protocol.v1.RegionEndpoint;
import io.tributary.sim.report.JsonWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./tributary bench replication}: a home hub (region eu) and a replica hub (region us) as child JVMs on loopback,
 * one stream replicated from eu to us, the producer client in this JVM. (a) ack level local at a paced rate: the
 * replica's lag, sampled from the home's {@code admin streams describe} ({@link ReplicaLagSampler}), and the
 * producer's ack latency; (b) ack level replicated at the same rate: ack latency against (a); (c) as many records as
 * acknowledged under local, then under replicated. Each hub's CPU-seconds per million records, from {@code /proc},
 * counted from a phase's start until the replica has caught up with it. Ends with one JSON line.
 */
@Command(
        name = "replication",
        mixinStandardHelpOptions = true,
        description = {
            "Cross-region replication on loopback: a home hub (eu) and a replica hub (us) in child JVMs, one stream"
                    + " replicated eu -> us, the producer here.",
            "(a) ack local at --rate: replica lag p50/p99/max (sampled from the home's describe) and producer ack"
                    + " p50/p99; (b) ack replicated at --rate: ack p50/p99 and the ratio to (a); (c) max throughput"
                    + " under local and under replicated, and the ratio. CPU-seconds per million records of each hub.",
            "Ends with one JSON line."
        })
public final class ReplicationBench implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    private static final String STREAM = "replicated";
    private static final String HOME = "eu";
    private static final String REPLICA = "us";
    private static final Duration CATCH_UP = Duration.ofSeconds(120);
    /** Records per put and puts in flight per thread of the max-throughput runs (as in bench hub). */
    private static final int MAX_BATCH = 1000;

    private static final int MAX_WINDOW = 16;

    @Option(
            names = "--rate",
            defaultValue = "100000",
            description = "Records/s of (a) and (b) (default ${DEFAULT-VALUE}).")
    long rate;

    @Option(
            names = "--duration",
            defaultValue = "15",
            paramLabel = "SECONDS",
            description = "Seconds of (a) and of (b) (default ${DEFAULT-VALUE}).")
    double duration;

    @Option(
            names = "--warmup",
            defaultValue = "5",
            paramLabel = "SECONDS",
            description = "Unmeasured seconds at --rate first (JIT of hubs and client; default ${DEFAULT-VALUE}).")
    double warmup;

    @Option(
            names = "--records",
            defaultValue = "4000000",
            description = "Records of each max-throughput run in (c) (default ${DEFAULT-VALUE}).")
    long records;

    @Option(names = "--shards", defaultValue = "4", description = "Shards of the stream (default ${DEFAULT-VALUE}).")
    int shards;

    @Option(names = "--record-bytes", defaultValue = "100", description = "Payload bytes per record (default 100).")
    int recordBytes;

    @Option(names = "--batch", defaultValue = "200", description = "Records per put in (a) and (b) (default 200).")
    int batch;

    @Option(
            names = "--window",
            defaultValue = "256",
            description = "Puts in flight at most in (a) and (b) (default ${DEFAULT-VALUE}). (c) puts 1,000"
                    + " records at a time, 16 in flight, from 2 threads.")
    int window;

    @Option(
            names = "--sample-ms",
            defaultValue = "100",
            description = "How often the replica's lag is sampled, ms (default ${DEFAULT-VALUE}).")
    long sampleMs;

    @Option(
            names = "--payload",
            defaultValue = "random",
            description = "random (default): each record its own pseudo-random bytes, which LZ4 cannot shrink;"
                    + " repeated: the same bytes in every record of a put, which compress to almost nothing"
                    + " (replication ships the stored, compressed batches, so this flatters it).")
    String payload;

    @Option(names = "--durability", defaultValue = "fsync", description = "fsync (default) or page-cache, both hubs.")
    String durability;

    @Option(names = "--data-dir", description = "Where the hubs write (default: a temporary directory, deleted).")
    Path dataDir;

    private final List<String> keys = new ArrayList<>();
    private boolean distinct;

    @Override
    public Integer call() throws Exception {
        Path dir = dataDir != null
                ? Files.createDirectories(dataDir)
                : Files.createTempDirectory("tributary-bench-replication");
        if (!payload.equals("random") && !payload.equals("repeated")) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), "--payload must be random or repeated, was " + payload);
        }
        distinct = payload.equals("random");
        for (int i = 0; i < shards * 4; i++) {
            keys.add("k" + i);
        }
        System.err.printf(
                "bench replication: %s -> %s, %d shards, %d-byte %s records, (a) ack local and (b) ack replicated at"
                        + " %,d records/s for %.0f s each (+%.0f s warm-up, puts of %d), (c) %,d records as fast as"
                        + " acked under each; durability %s; data in %s%n",
                HOME, REPLICA, shards, recordBytes, payload, rate, duration, warmup, batch, records, durability, dir);
        JsonWriter json = new JsonWriter()
                .field("bench", "replication")
                .field("shards", shards)
                .field("record_bytes", recordBytes)
                .field("payload", payload)
                .field("rate", rate)
                .field("duration_s", duration)
                .field("batch", batch)
                .field("durability", durability)
                .field("cores", Runtime.getRuntime().availableProcessors())
                .field("load_avg_1m", ProcStats.loadAverage());
        boolean caughtUp;
        try (ClientResources resources = new ClientResources(2);
                BenchHub replica = BenchHub.launch(
                        dir.resolve(REPLICA), REPLICA, "--region", REPLICA, "--durability", durability);
                BenchHub home =
                        BenchHub.launch(dir.resolve(HOME), HOME, "--region", HOME, "--durability", durability)) {
            home.createStream(
                    resources,
                    CreateStream.newBuilder()
                            .setStream(STREAM)
                            .setShardCount(shards)
                            .setKeyMode(PartitionKeyMode.PARTITION_KEY_MODE_GROUP)
                            .addReplicas(RegionEndpoint.newBuilder()
                                    .setRegion(REPLICA)
                                    .setEndpoint("127.0.0.1:" + replica.jvm.port()))
                            .setAckLevel(AckLevel.ACK_LEVEL_LOCAL)
                            .build());
            Rig rig = new Rig(resources, home, replica);
            if (warmup > 0) {
                rig.run("warm-up", rate, (long) (rate * warmup), 1).print();
            }
            Phase local = rig.run("(a) ack local, paced", rate, (long) (rate * duration), 1);
            local.print();
            rig.ack(AckLevel.ACK_LEVEL_REPLICATED);
            Phase replicated = rig.run("(b) ack replicated, paced", rate, (long) (rate * duration), 1);
            replicated.print();
            rig.ack(AckLevel.ACK_LEVEL_LOCAL);
            Phase maxLocal = rig.run("(c) ack local, max", 0, records, 2);
            maxLocal.print();
            rig.ack(AckLevel.ACK_LEVEL_REPLICATED);
            Phase maxReplicated = rig.run("(c) ack replicated, max", 0, records, 2);
            maxReplicated.print();
            double ackRatio = ratio(replicated.ackMs(99), local.ackMs(99));
            double maxRatio = ratio(maxReplicated.perSecond(), maxLocal.perSecond());
            System.err.printf(
                    "replicated / local: ack p99 at %,d records/s x%.2f; max throughput x%.2f%n",
                    rate, ackRatio, maxRatio);
            local.json(json, "local_");
            replicated.json(json, "replicated_");
            json.field("ack_p99_ratio", ackRatio, 2);
            maxLocal.json(json, "max_local_");
            maxReplicated.json(json, "max_replicated_");
            json.field("max_ratio", maxRatio, 2);
            caughtUp = local.caughtUp() && replicated.caughtUp() && maxLocal.caughtUp() && maxReplicated.caughtUp();
        } finally {
            if (dataDir == null) {
                Phases.deleteTree(dir);
            }
        }
        json.field("caught_up", caughtUp);
        System.out.println(json.end());
        return caughtUp ? 0 : 1;
    }

    private static double ratio(double a, double b) {
        return b > 0 ? a / b : Double.NaN;
    }

    /** The two hubs and the client resources every phase uses. */
    private final class Rig {
        private final ClientResources resources;
        private final BenchHub home;
        private final BenchHub replica;

        Rig(ClientResources resources, BenchHub home, BenchHub replica) {
            this.resources = resources;
            this.home = home;
            this.replica = replica;
        }

        void ack(AckLevel level) {
            try (AdminClient admin = AdminClient.connect(resources, home.client)) {
                admin.setAckLevel(STREAM, level);
            }
        }

        /**
         * Puts {@code total} records from {@code threads} producer threads (each with its own producer and share of the
         * keys) at {@code perSecond} in all (0: as fast as acknowledged), then waits for the replica to catch up,
         * sampling its lag all along.
         */
        Phase run(String name, long perSecond, long total, int threads) throws Exception {
            System.err.printf("%s: %,d records at %s...%n", name, total, perSecond == 0 ? "max" : perSecond + "/s");
            Recorder acks = new Recorder(3);
            double home0 = home.jvm.cpuSeconds();
            double replica0 = replica.jvm.cpuSeconds();
            double client0 = BenchHub.processCpuSeconds();
            try (ReplicaLagSampler lag =
                    ReplicaLagSampler.start(resources, home.client, STREAM, REPLICA, Duration.ofMillis(sampleMs))) {
                ExecutorService pool = Executors.newFixedThreadPool(threads);
                long start = System.nanoTime();
                long acked = 0;
                try {
                    List<Future<Long>> producers = new ArrayList<>();
                    for (int t = 0; t < threads; t++) {
                        List<String> mine = new ArrayList<>();
                        for (int k = t; k < keys.size(); k += threads) {
                            mine.add(keys.get(k));
                        }
                        PacedLoad load = perSecond == 0
                                ? new PacedLoad(mine, 0, MAX_BATCH, recordBytes, MAX_WINDOW, distinct)
                                : new PacedLoad(mine, perSecond / threads, batch, recordBytes, window, distinct);
                        long share = total / threads + (t < total % threads ? 1 : 0);
                        producers.add(pool.submit(() -> produce(load, share, acks)));
                    }
                    for (Future<Long> p : producers) {
                        acked += p.get();
                    }
                } finally {
                    pool.shutdownNow();
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                long caughtFrom = System.nanoTime();
                boolean caughtUp = lag.awaitCaughtUp(CATCH_UP);
                double catchUp = (System.nanoTime() - caughtFrom) / 1e9;
                return new Phase(
                        name,
                        acked,
                        seconds,
                        acks.getIntervalHistogram(),
                        lag.lagMs(),
                        lag.lagRecords(),
                        lag.rounds(),
                        lag.errors(),
                        caughtUp,
                        catchUp,
                        home.jvm.cpuSeconds() - home0,
                        replica.jvm.cpuSeconds() - replica0,
                        BenchHub.processCpuSeconds() - client0);
            }
        }

        private long produce(PacedLoad load, long count, Recorder acks) {
            ProducerOptions opts = ProducerOptions.defaults(STREAM)
                    .withBatching(load.batch(), Duration.ofMillis(1), load.window() * 2);
            try (Producer producer = Producer.create(resources, home.client, opts)) {
                return load.run(producer, count, acks, () -> false);
            }
        }
    }

    /**
     * One phase's figures. CPU-seconds run from the phase's start until the replica caught up (the replication of the
     * phase's records included).
     */
    private record Phase(
            String name,
            long records,
            double seconds,
            Histogram acks,
            Histogram lagMs,
            Histogram lagRecords,
            long samples,
            long sampleErrors,
            boolean caughtUp,
            double catchUpSeconds,
            double homeCpu,
            double replicaCpu,
            double clientCpu) {

        double perSecond() {
            return seconds > 0 ? records / seconds : 0;
        }

        double ackMs(double percentile) {
            return BenchHub.ms(acks, percentile);
        }

        void print() {
            System.err.printf(
                    "%s: %,d records in %.1f s = %,.0f records/s; put ack p50 %.2f ms, p99 %.2f ms; replica lag p50 %d"
                            + " ms, p99 %d ms, max %d ms, p99 %,d records, max %,d records (%d samples, %d failed);"
                            + " %s %.2f s after the last ack; CPU-s per million records: %s %.2f, %s %.2f, client"
                            + " %.2f%n",
                    name,
                    records,
                    seconds,
                    perSecond(),
                    ackMs(50),
                    ackMs(99),
                    lagMs.getValueAtPercentile(50),
                    lagMs.getValueAtPercentile(99),
                    lagMs.getMaxValue(),
                    lagRecords.getValueAtPercentile(99),
                    lagRecords.getMaxValue(),
                    samples,
                    sampleErrors,
                    caughtUp ? "caught up" : "NOT caught up",
                    catchUpSeconds,
                    HOME,
                    ProcStats.perMillion(homeCpu, records),
                    REPLICA,
                    ProcStats.perMillion(replicaCpu, records),
                    ProcStats.perMillion(clientCpu, records));
        }

        void json(JsonWriter json, String prefix) {
            json.field(prefix + "records", records)
                    .field(prefix + "records_per_s", perSecond(), 0)
                    .field(prefix + "ack_p50_ms", ackMs(50))
                    .field(prefix + "ack_p99_ms", ackMs(99))
                    .field(prefix + "lag_p50_ms", lagMs.getValueAtPercentile(50))
                    .field(prefix + "lag_p99_ms", lagMs.getValueAtPercentile(99))
                    .field(prefix + "lag_max_ms", lagMs.getMaxValue())
                    .field(prefix + "lag_p99_records", lagRecords.getValueAtPercentile(99))
                    .field(prefix + "lag_max_records", lagRecords.getMaxValue())
                    .field(prefix + "lag_samples", samples)
                    .field(prefix + "catch_up_s", catchUpSeconds)
                    .field(prefix + "eu_cpu_s_per_million", ProcStats.perMillion(homeCpu, records))
                    .field(prefix + "us_cpu_s_per_million", ProcStats.perMillion(replicaCpu, records))
                    .field(prefix + "client_cpu_s_per_million", ProcStats.perMillion(clientCpu, records));
        }
    }
}
