package io.tributary.bench;

import com.google.protobuf.ByteString;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.bench.pipeline.ChildJvm;
import io.tributary.hub.client.core.ClientOptions;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.hub.store.ReadResult;
import io.tributary.hub.store.ShardKey;
import io.tributary.hub.store.StoredBatch;
import io.tributary.hub.store.local.LocalShardStore;
import io.tributary.hub.store.local.LocalStoreConfig;
import io.tributary.protocol.batch.BatchPayloads;
import io.tributary.protocol.v1.Codec;
import io.tributary.sim.report.JsonWriter;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code ./tributary bench hub}: drives a hub (a child JVM, so its CPU is measured alone) on loopback with the
 * producer client, then measures catch-up reads of one shard: through the consumer protocol while the hub runs, and
 * from its segment files directly after it stopped. Ends with one JSON line.
 */
@Command(
        name = "hub",
        mixinStandardHelpOptions = true,
        description = {
            "Benchmarks a hub on loopback: ingest throughput and batch-ack latency with every ack after fsync, hub"
                    + " CPU-seconds per million records, then catch-up reads of one shard.",
            "With --store pulsar or all: the same load through a hub on the Pulsar store and straight into Pulsar,"
                    + " against one Pulsar standalone the bench starts (or --pulsar-url); see docs/benchmarks.md.",
            "Ends with one JSON line."
        })
public final class HubBench implements Callable<Integer> {
    @Option(names = "--records", defaultValue = "3000000", description = "Records to write (default ${DEFAULT-VALUE}).")
    long records;

    @Option(names = "--shards", defaultValue = "4", description = "Shards of the stream (default ${DEFAULT-VALUE}).")
    int shards;

    @Option(names = "--record-bytes", defaultValue = "100", description = "Payload bytes per record.")
    int recordBytes;

    @Option(names = "--batch", defaultValue = "1000", description = "Records per put (one batch per partition key).")
    int batch;

    @Option(names = "--producers", defaultValue = "2", description = "Producer threads, each with its own keys.")
    int producers;

    @Option(names = "--window", defaultValue = "16", description = "Puts in flight per producer thread.")
    int window;

    @Option(names = "--rate", defaultValue = "0", description = "Records/s to offer in total; 0 = as fast as acked.")
    long rate;

    @Option(names = "--codec", defaultValue = "lz4", description = "lz4, zstd or none.")
    String codec;

    @Option(names = "--durability", defaultValue = "fsync", description = "fsync (default) or page-cache.")
    String durability;

    @Option(names = "--data-dir", description = "Where the hub writes (default: a temporary directory, deleted).")
    Path dataDir;

    @Option(names = "--skip-read", description = "Skip the catch-up read phase.")
    boolean skipRead;

    @Option(
            names = "--phase-seconds",
            defaultValue = "0",
            description = "A write phase stops offering records after this many seconds (default 0: 600 with --store"
                    + " local, 20 with pulsar and all, where it is what ends the fast targets' phases).")
    long phaseSeconds;

    @Option(
            names = "--store",
            defaultValue = "local",
            description = {
                "local (default): a hub on the local store, as above.",
                "pulsar: a hub on the Pulsar store, then the same load written straight to Pulsar by a plain client,"
                        + " a message per batch (raw) and a message per record batched by the client (raw_records);"
                        + " each at max, then paced at half its max.",
                "all: the local store first, then as pulsar. --rate and the read phase do not apply to pulsar and all."
            })
    String store;

    @Option(
            names = "--warmup-seconds",
            defaultValue = "10",
            description = "With --store pulsar|all: each target's warm-up, as fast as acknowledged (default"
                    + " ${DEFAULT-VALUE}).")
    long warmupSeconds;

    @Option(
            names = "--raw-records",
            defaultValue = "0",
            description = "Records at most per phase of the targets without a hub (default 0: 100 times --records;"
                    + " --phase-seconds usually ends them first).")
    long rawRecords;

    @Option(
            names = "--pulsar-url",
            paramLabel = "URL",
            description =
                    "With --store pulsar|all: a running broker (pulsar://H:6650) instead of a standalone the bench"
                            + " starts; needs --pulsar-admin-url.")
    String pulsarUrl;

    @Option(
            names = "--pulsar-admin-url",
            paramLabel = "URL",
            description = "With --pulsar-url: that broker's admin REST URL (http://H:8080).")
    URI pulsarAdminUrl;

    @Option(
            names = "--pulsar-heap",
            defaultValue = "256m",
            description = "Heap of the standalone broker the bench starts (default ${DEFAULT-VALUE}).")
    String pulsarHeap;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (!List.of("local", "pulsar", "all").contains(store)) {
            throw new ParameterException(
                    spec.commandLine(), "--store must be local, pulsar or all, not '" + store + "'");
        }
        if ((pulsarUrl == null) != (pulsarAdminUrl == null)) {
            throw new ParameterException(spec.commandLine(), "--pulsar-url and --pulsar-admin-url go together");
        }
        if (!store.equals("local")) {
            if (rate != 0) {
                throw new ParameterException(
                        spec.commandLine(), "--rate applies to --store local; pulsar and all pace at half each max");
            }
            return new StoreComparison(this).run();
        }
        Path dir = dataDir != null ? dataDir : Files.createTempDirectory("tributary-bench-hub");
        System.err.printf(
                "bench hub: %,d records of %d bytes into %d shards, %d producers x %d puts of %d in flight, rate %s,"
                        + " durability %s, data in %s%n",
                records,
                recordBytes,
                shards,
                producers,
                window,
                batch,
                rate == 0 ? "max" : rate + "/s",
                durability,
                dir);
        long written;
        double seconds;
        double hubCpu;
        double clientCpu;
        Histogram latency;
        ProtocolCatchUp.Result protocolRead = null;
        try (ClientResources resources = new ClientResources(1);
                BenchHub bench = BenchHub.start(resources, dir, durability, "bench", shards, "hub")) {
            ChildJvm hub = bench.jvm;
            ClientOptions client = bench.client;
            // Warm up the JIT on both sides before measuring.
            runWrites(resources, client, Math.min(records / 10, 300_000), new Recorder(3));
            double hubCpu0 = hub.cpuSeconds();
            double clientCpu0 = processCpuSeconds();
            Recorder recorder = new Recorder(3);
            long start = System.nanoTime();
            written = runWrites(resources, client, records, recorder);
            seconds = (System.nanoTime() - start) / 1e9;
            hubCpu = hub.cpuSeconds() - hubCpu0;
            clientCpu = processCpuSeconds() - clientCpu0;
            latency = recorder.getIntervalHistogram();
            if (!skipRead) {
                protocolRead = ProtocolCatchUp.timeWholeShard(resources, client, "bench", "shard-000000");
            }
        }
        double rateAchieved = written / seconds;
        System.err.printf(
                "write: %,d records in %.1f s = %,.0f records/s (%.1f MB/s payload); batch-ack p50 %.2f ms, p99 %.2f"
                        + " ms, p99.9 %.2f ms; hub %.2f CPU-s per million records, client %.2f%n",
                written,
                seconds,
                rateAchieved,
                rateAchieved * recordBytes / 1e6,
                ms(latency, 50),
                ms(latency, 99),
                ms(latency, 99.9),
                hubCpu / written * 1e6,
                clientCpu / written * 1e6);
        JsonWriter json = new JsonWriter()
                .field("bench", "hub")
                .field("records", written)
                .field("shards", shards)
                .field("record_bytes", recordBytes)
                .field("durability", durability)
                .field("offered_rate", rate)
                .field("records_per_s", rateAchieved, 0)
                .field("ack_p50_ms", ms(latency, 50))
                .field("ack_p99_ms", ms(latency, 99))
                .field("ack_p999_ms", ms(latency, 99.9))
                .field("hub_cpu_s_per_million", hubCpu / written * 1e6)
                .field("client_cpu_s_per_million", clientCpu / written * 1e6);
        if (!skipRead) {
            readBack(dir.resolve("hub").resolve("shards"), json);
            protocolRead.json(json);
        }
        System.out.println(json.end());
        if (dataDir == null) {
            deleteTree(dir);
        }
        return 0;
    }

    private long runWrites(ClientResources resources, ClientOptions client, long total, Recorder recorder)
            throws InterruptedException {
        return load().run(total, recorder, t -> new HubSender(resources, client, "bench", load()))
                .acked();
    }

    /** {@code --raw-records}, or 100 times {@code --records} when 0. */
    long rawRecords() {
        return rawRecords > 0 ? rawRecords : 100 * records;
    }

    /** {@code --phase-seconds}, or when 0 600 s with {@code --store local} and 20 s with pulsar and all. */
    long phaseSeconds() {
        return phaseSeconds > 0 ? phaseSeconds : store.equals("local") ? 600 : 20;
    }

    /** The load the options describe, at {@code --rate}, bounded by {@link #phaseSeconds()}. */
    WriteLoad load() {
        return new WriteLoad(
                shards, recordBytes, batch, producers, window, codec, rate, TimeUnit.SECONDS.toNanos(phaseSeconds()));
    }

    /** Reads shard 0 from its first sequence to the end, as stored and decoded; adds the {@code read_*} fields. */
    private void readBack(Path shardsDir, JsonWriter json) {
        try (LocalShardStore store = new LocalShardStore(
                LocalStoreConfig.builder(shardsDir).build(), Clock.systemUTC(), new SimpleMeterRegistry())) {
            ShardKey key = new ShardKey("bench", "shard-000000");
            store.open(key);
            long end = store.info(key).nextSequence();
            timeRead(store, key, end, true); // warm-up: page cache and JIT
            double[] raw = timeRead(store, key, end, false);
            double[] decoded = timeRead(store, key, end, true);
            System.err.printf(
                    "catch-up read of shard-000000: %,d records; stored batches %,.0f records/s; decoded to records"
                            + " %,.0f records/s%n",
                    (long) raw[0], raw[0] / raw[1], decoded[0] / decoded[1]);
            json.field("read_records", (long) raw[0])
                    .field("read_batches_records_per_s", raw[0] / raw[1], 0)
                    .field("read_decoded_records_per_s", decoded[0] / decoded[1], 0);
        }
    }

    private static double[] timeRead(LocalShardStore store, ShardKey key, long end, boolean decode) {
        long start = System.nanoTime();
        long seq = 0;
        long count = 0;
        while (seq < end) {
            ReadResult r = store.read(key, seq, 100_000, 8 << 20);
            for (StoredBatch b : r.batches()) {
                if (decode) {
                    try {
                        count += BatchPayloads.decode(
                                        ByteString.copyFrom(b.payload().duplicate()),
                                        Codec.forNumber(b.codec()),
                                        64 << 20)
                                .size();
                    } catch (io.tributary.protocol.batch.BatchFormatException e) {
                        throw new IllegalStateException(e);
                    }
                } else {
                    count += b.recordCount();
                }
            }
            seq = r.nextSequence();
        }
        return new double[] {count, (System.nanoTime() - start) / 1e9};
    }

    private static double ms(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(percentile) / 1000.0;
    }

    private static double processCpuSeconds() {
        java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            return sun.getProcessCpuTime() / 1e9;
        }
        return -1;
    }

    private static void deleteTree(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder())
                    .forEach(p -> p.toFile().delete());
        } catch (java.io.IOException e) {
            System.err.println("could not delete " + dir + ": " + e.getMessage());
        }
    }
}
