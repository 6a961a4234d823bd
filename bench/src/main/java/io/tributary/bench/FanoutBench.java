package io.tributary.bench;

import io.tributary.hub.client.Producer;
import io.tributary.hub.client.ProducerOptions;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.sim.report.JsonWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./tributary bench fanout}: several push consumers ({@link io.tributary.hub.client.ShardReader}) catch up on
 * one shard from the trim horizon while ingest into that shard continues at a paced rate. Reports each consumer's
 * records/s and the ingest batch-ack p99 with and without the consumers. The hub runs in a child JVM; producer and
 * consumers run here. Ends with one JSON line.
 */
@Command(
        name = "fanout",
        mixinStandardHelpOptions = true,
        description = {
            "Push consumers catching up on one shard from the trim horizon while paced ingest continues; ingest"
                    + " batch-ack p99 with and without them.",
            "Ends with one JSON line."
        })
public final class FanoutBench implements Callable<Integer> {
    private static final String STREAM = "fanout";
    private static final String SHARD = "shard-000000";

    @Option(names = "--consumers", defaultValue = "8", description = "Push consumers (default ${DEFAULT-VALUE}).")
    int consumers;

    @Option(names = "--preload", defaultValue = "2000000", description = "Records in the shard before the test.")
    long preload;

    @Option(names = "--ingest-rate", defaultValue = "200000", description = "Records/s of ingest (paced).")
    long ingestRate;

    @Option(names = "--seconds", defaultValue = "10", description = "Seconds of ingest alone (the baseline).")
    int seconds;

    @Option(names = "--batch", defaultValue = "1000", description = "Records per put (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--record-bytes", defaultValue = "100", description = "Payload bytes per record.")
    int recordBytes;

    @Option(names = "--durability", defaultValue = "fsync", description = "fsync (default) or page-cache.")
    String durability;

    @Option(names = "--data-dir", description = "Where the hub writes (default: a temporary directory, deleted).")
    Path dataDir;

    @Override
    public Integer call() throws Exception {
        System.err.printf(
                "bench fanout: %d consumers, %,d records preloaded, ingest %,d records/s in puts of %d, %d bytes,"
                        + " durability %s%n",
                consumers, preload, ingestRate, batch, recordBytes, durability);
        List<String> keys = List.of("k0", "k1", "k2", "k3");
        PacedLoad fast = new PacedLoad(keys, 0, batch, recordBytes, 16);
        PacedLoad paced = new PacedLoad(keys, ingestRate, batch, recordBytes, 16);
        Histogram baseline;
        Histogram during;
        List<ProtocolCatchUp.Result> results = new ArrayList<>();
        long end;
        double fanoutSeconds;
        try (ClientResources resources = new ClientResources(2);
                BenchHub hub = BenchHub.start(resources, dataDir, durability, STREAM, 1, "fanout");
                Producer producer = Producer.create(
                        resources,
                        hub.client,
                        ProducerOptions.defaults(STREAM).withBatching(batch, Duration.ofMillis(1), 32))) {
            long written = fast.run(producer, preload, new Recorder(3), () -> false);
            System.err.printf("preloaded %,d records%n", written);
            written += paced.run(producer, ingestRate * 3, new Recorder(3), () -> false); // JIT warm-up
            Recorder alone = new Recorder(3);
            written += paced.run(producer, ingestRate * seconds, alone, () -> false);
            baseline = alone.getIntervalHistogram();
            System.err.printf(
                    "ingest alone: batch-ack p50 %.2f ms, p99 %.2f ms%n",
                    BenchHub.ms(baseline, 50), BenchHub.ms(baseline, 99));

            end = written;
            ExecutorService pool = Executors.newFixedThreadPool(consumers);
            List<Future<ProtocolCatchUp.Result>> reads = new ArrayList<>();
            long start = System.nanoTime();
            for (int i = 0; i < consumers; i++) {
                reads.add(pool.submit(() -> ProtocolCatchUp.read(resources, hub.client, STREAM, SHARD, end)));
            }
            Recorder withConsumers = new Recorder(3);
            CompletableFuture<Long> ingest = CompletableFuture.supplyAsync(() ->
                    paced.run(producer, -1, withConsumers, () -> reads.stream().allMatch(Future::isDone)));
            for (Future<ProtocolCatchUp.Result> f : reads) {
                results.add(f.get());
            }
            fanoutSeconds = (System.nanoTime() - start) / 1e9;
            ingest.get();
            pool.shutdown();
            during = withConsumers.getIntervalHistogram();
        }
        double min = results.stream()
                .mapToDouble(ProtocolCatchUp.Result::perSecond)
                .min()
                .orElse(0);
        double mean = results.stream()
                .mapToDouble(ProtocolCatchUp.Result::perSecond)
                .average()
                .orElse(0);
        double total =
                results.stream().mapToLong(ProtocolCatchUp.Result::records).sum() / fanoutSeconds;
        double rise = 100 * (BenchHub.ms(during, 99) / BenchHub.ms(baseline, 99) - 1);
        System.err.printf(
                "%d consumers read %,d records each from the trim horizon: min %,.0f, mean %,.0f records/s per"
                        + " consumer, %,.0f records/s together; ingest batch-ack p99 %.2f ms alone, %.2f ms with"
                        + " them (%+.0f %%)%n",
                consumers, end, min, mean, total, BenchHub.ms(baseline, 99), BenchHub.ms(during, 99), rise);
        System.out.println(new JsonWriter()
                .field("bench", "fanout")
                .field("consumers", consumers)
                .field("records_per_consumer", end)
                .field("ingest_rate", ingestRate)
                .field("durability", durability)
                .field("consumer_min_records_per_s", min, 0)
                .field("consumer_mean_records_per_s", mean, 0)
                .field("consumers_total_records_per_s", total, 0)
                .field("ack_p99_alone_ms", BenchHub.ms(baseline, 99))
                .field("ack_p99_with_consumers_ms", BenchHub.ms(during, 99))
                .field("ack_p99_rise_pct", rise, 1)
                .end());
        return 0;
    }
}
