package io.tributary.bench;

import io.tributary.bench.pipeline.ProcStats;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.protocol.v1.CreateStream;
import io.tributary.protocol.v1.PartitionKeyMode;
import io.tributary.sim.report.JsonWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;
import java.util.function.IntFunction;
import org.HdrHistogram.Recorder;

/**
 * {@code bench hub --store pulsar|all}: the same write load through a hub on the local store ({@code all} only),
 * through a hub on the Pulsar store, into the Pulsar store in this JVM without a hub ({@link DirectStore}), and
 * straight into Pulsar with a plain client in this JVM ({@link RawPulsar}: a message per batch, then a message per
 * record), all against one Pulsar broker. Each target gets a warm-up (as fast as acknowledged for {@code
 * --warmup-seconds}, at most its records), a phase as fast as acknowledged, and a phase paced at half of that phase's
 * rate (half the records), each also ended by {@code --phase-seconds}; the hubs write {@code --records}, the others
 * {@code --raw-records}. After a Pulsar target,
 * the broker's topic stats must show a message for every batch acknowledged. A target that fails is reported and the
 * next one runs. Not thread-safe.
 */
final class StoreComparison {
    private static final String TENANT = "public";
    private static final String NAMESPACE = "tributary"; // the hub's default pulsar.namespace

    private final HubBench options;
    private final WriteLoad load;
    private final String stream = "bench-" + Long.toString(System.currentTimeMillis(), 36);
    private final List<WriteFigures> figures = new ArrayList<>();
    private final List<String> errors = new ArrayList<>();

    StoreComparison(HubBench options) {
        this.options = options;
        this.load = options.load();
    }

    /** Runs the targets; prints the figures and one JSON line; 0 when every phase measured something, else 1. */
    int run() throws IOException {
        Path dir = options.dataDir != null
                ? Files.createDirectories(options.dataDir)
                : Files.createTempDirectory("tributary-bench-hub");
        double load0 = ProcStats.loadAverage();
        System.err.printf(
                "bench hub --store %s: per phase at most %d s and %,d records (without a hub %,d) of %d bytes, into %d"
                        + " shards, %d threads x %d batches of %d in flight, codec %s, stream %s, data in %s, load"
                        + " average %.2f%n",
                options.store,
                options.phaseSeconds(),
                options.records,
                options.rawRecords(),
                load.recordBytes(),
                load.shards(),
                load.producers(),
                load.window(),
                load.batch(),
                load.codec(),
                stream,
                dir,
                load0);
        try (BenchPulsar pulsar = pulsar(dir)) {
            if (options.store.equals("all")) {
                Phases.run("bench hub", "local store", errors, () -> measureHub(pulsar, dir, "local"));
            }
            Phases.run("bench hub", "Pulsar store", errors, () -> measureHub(pulsar, dir, "pulsar"));
            Phases.run("bench hub", "Pulsar store without a hub", errors, () -> measureDirect(pulsar));
            Phases.run("bench hub", "raw Pulsar", errors, () -> measureRaw(pulsar, RawPulsar.Mode.BATCHES));
            Phases.run(
                    "bench hub",
                    "raw Pulsar, a message per record",
                    errors,
                    () -> measureRaw(pulsar, RawPulsar.Mode.RECORDS));
            if (options.pulsarUrl != null) {
                deleteTopics(pulsar);
            }
        } catch (IOException e) {
            errors.add("pulsar: " + e.getMessage());
            System.err.println("bench hub: " + e.getMessage());
        } finally {
            if (options.dataDir == null) {
                Phases.deleteTree(dir);
            }
        }
        return report(load0);
    }

    private BenchPulsar pulsar(Path dir) throws IOException {
        if (options.pulsarUrl != null) {
            return BenchPulsar.attach(options.pulsarUrl, options.pulsarAdminUrl);
        }
        return BenchPulsar.start(dir.resolve("broker"), options.pulsarHeap);
    }

    /** A hub on {@code store} in a child JVM: warm-up, max and half-rate phases. */
    private Void measureHub(BenchPulsar pulsar, Path dir, String store) throws Exception {
        String[] args = store.equals("local")
                ? new String[] {"--durability", options.durability}
                : new String[] {
                    "--store",
                    "pulsar",
                    "--pulsar-url",
                    pulsar.serviceUrl(),
                    "--pulsar-admin-url",
                    "" + pulsar.adminUrl()
                };
        try (ClientResources resources = new ClientResources(1);
                BenchHub hub = BenchHub.launch(dir.resolve(store), store, args)) {
            hub.createStream(
                    resources,
                    CreateStream.newBuilder()
                            .setStream(stream)
                            .setShardCount(load.shards())
                            .setKeyMode(PartitionKeyMode.PARTITION_KEY_MODE_GROUP)
                            .build());
            DoubleSupplier broker = store.equals("local") ? () -> Double.NaN : pulsar::cpuSeconds;
            long batches = phases(
                    store,
                    options.records,
                    hub.jvm::cpuSeconds,
                    broker,
                    t -> new HubSender(resources, hub.client, stream, load));
            if (!store.equals("local")) {
                checkTopics(pulsar, store, topics(stream), batches);
            }
        }
        return null;
    }

    /** The Pulsar store in this JVM, without a hub: warm-up, max and half-rate phases of {@code --raw-records}. */
    private Void measureDirect(BenchPulsar pulsar) throws Exception {
        String prefix = stream + "-direct";
        try (DirectStore store = new DirectStore(pulsar.serviceUrl(), pulsar.adminUrl(), prefix, load)) {
            long batches =
                    phases("direct", options.rawRecords(), () -> Double.NaN, pulsar::cpuSeconds, t -> store.sender());
            checkTopics(pulsar, "direct", topics(prefix), batches);
        }
        return null;
    }

    /** The plain Pulsar client in this JVM: warm-up, max and half-rate phases of {@code --raw-records}. */
    private Void measureRaw(BenchPulsar pulsar, RawPulsar.Mode mode) throws Exception {
        pulsar.createNamespace(TENANT, NAMESPACE);
        String target = mode == RawPulsar.Mode.BATCHES ? "raw" : "raw_records";
        List<String> topics = topics(stream + "-" + target.replace('_', '-'));
        for (String topic : topics) {
            pulsar.createTopic(topic);
        }
        List<String> urls = topics.stream().map(t -> "persistent://" + t).toList();
        try (RawPulsar raw = new RawPulsar(pulsar.serviceUrl(), urls, load, mode)) {
            long batches =
                    phases(target, options.rawRecords(), () -> Double.NaN, pulsar::cpuSeconds, t -> raw.sender());
            checkTopics(pulsar, target, topics, batches);
        }
        return null;
    }

    /** Warm-up, max and half phases of {@code records}; returns the batches acknowledged in all three. */
    private long phases(
            String target,
            long records,
            DoubleSupplier hubCpu,
            DoubleSupplier brokerCpu,
            IntFunction<WriteLoad.Sender> s)
            throws InterruptedException {
        // Warm-up by time, so that every target's JIT (and the broker's) gets the same chance whatever its speed.
        WriteLoad warmUp = load.withTimeLimit(TimeUnit.SECONDS.toNanos(options.warmupSeconds));
        long warm = warmUp.run(records, new Recorder(3), s).batches();
        WriteFigures max = measure(target, "max", load, records, hubCpu, brokerCpu, s);
        long half = Math.max(1, (long) (max.recordsPerSecond() / 2));
        return warm
                + max.batches()
                + measure(target, "half", load.withRate(half), records / 2, hubCpu, brokerCpu, s)
                        .batches();
    }

    /**
     * Fails unless the broker received at least {@code batches} messages on {@code topics}: every batch acknowledged
     * was written to Pulsar (the hub's topics also hold its open markers, and a batch may have been split by the
     * producer's batching, hence at least). The target's figures are dropped when it fails.
     */
    private void checkTopics(BenchPulsar pulsar, String target, List<String> topics, long batches) throws IOException {
        long in = 0;
        for (String topic : topics) {
            in += pulsar.messagesIn(topic);
        }
        System.err.printf(
                "bench hub: %s: the broker received %,d messages on %d topics for %,d batches acknowledged%n",
                target, in, topics.size(), batches);
        if (in < batches) {
            figures.removeIf(f -> f.target().equals(target));
            throw new IllegalStateException(
                    target + ": the broker received " + in + " messages for " + batches + " batches acknowledged");
        }
    }

    private WriteFigures measure(
            String target,
            String phase,
            WriteLoad l,
            long records,
            DoubleSupplier hubCpu,
            DoubleSupplier brokerCpu,
            IntFunction<WriteLoad.Sender> senders)
            throws InterruptedException {
        Recorder recorder = new Recorder(3);
        double hub0 = hubCpu.getAsDouble();
        double broker0 = brokerCpu.getAsDouble();
        double client0 = BenchHub.processCpuSeconds();
        long start = System.nanoTime();
        WriteLoad.Outcome outcome = l.run(records, recorder, senders);
        WriteFigures f = new WriteFigures(
                target,
                phase,
                l.rate(),
                outcome.acked(),
                outcome.batches(),
                (System.nanoTime() - start) / 1e9,
                outcome.timeUp(),
                recorder.getIntervalHistogram(),
                hubCpu.getAsDouble() - hub0,
                brokerCpu.getAsDouble() - broker0,
                BenchHub.processCpuSeconds() - client0);
        System.err.printf("bench hub: %s %s: %s%n", target, phase, f.describe());
        if (f.records() == 0 || f.latency().getTotalCount() == 0) {
            throw new IllegalStateException(target + " " + phase + " acknowledged no records");
        }
        figures.add(f);
        return f;
    }

    /** {@code tenant/namespace/<prefix>.shard-NNNNNN} for each shard: the Pulsar store's topic names. */
    private List<String> topics(String prefix) {
        List<String> topics = new ArrayList<>();
        for (int i = 0; i < load.shards(); i++) {
            topics.add(TENANT + "/" + NAMESPACE + "/" + prefix + "." + String.format("shard-%06d", i));
        }
        return topics;
    }

    /** On a broker the bench did not start: removes the topics it wrote (the hub's and the raw ones). */
    private void deleteTopics(BenchPulsar pulsar) {
        List<String> all = new ArrayList<>(topics(stream));
        all.addAll(topics(stream + "-direct"));
        all.addAll(topics(stream + "-raw"));
        all.addAll(topics(stream + "-raw-records"));
        for (String topic : all) {
            try {
                pulsar.deleteTopic(topic);
            } catch (IOException e) {
                System.err.println("bench hub: could not delete topic " + topic + ": " + e.getMessage());
            }
        }
    }

    private WriteFigures find(String target, String phase) {
        return figures.stream()
                .filter(f -> f.target().equals(target) && f.phase().equals(phase))
                .findFirst()
                .orElse(null);
    }

    /** {@code a}'s figure over {@code b}'s: max throughput, or the batch-ack p99 of the half phase; NaN if missing. */
    private double ratio(String a, String b, boolean throughput) {
        String phase = throughput ? "max" : "half";
        WriteFigures x = find(a, phase);
        WriteFigures y = find(b, phase);
        if (x == null || y == null) {
            return Double.NaN;
        }
        return throughput ? x.recordsPerSecond() / y.recordsPerSecond() : x.ms(99) / y.ms(99);
    }

    private int report(double load0) {
        double throughput = ratio("pulsar", "raw", true);
        double p99 = ratio("pulsar", "raw", false);
        double load1 = ProcStats.loadAverage();
        System.err.printf(
                "bench hub: Pulsar store / raw Pulsar: throughput %.2f (target >= 0.80), ack p99 at half load %.2f"
                        + " (target <= 1.50); against raw_records %.2f and %.2f; the store without a hub / raw: %.2f"
                        + " and %.2f; load average %.2f at start, %.2f at end%s%n",
                throughput,
                p99,
                ratio("pulsar", "raw_records", true),
                ratio("pulsar", "raw_records", false),
                ratio("direct", "raw", true),
                ratio("direct", "raw", false),
                load0,
                load1,
                errors.isEmpty() ? "" : "; errors: " + String.join("; ", errors));
        JsonWriter json = new JsonWriter()
                .field("bench", "hub")
                .field("store", options.store)
                .field("records", options.records)
                .field("raw_phase_records", options.rawRecords())
                .field("phase_seconds", options.phaseSeconds())
                .field("shards", load.shards())
                .field("record_bytes", load.recordBytes())
                .field("batch", load.batch())
                .field("in_flight_batches", (long) load.producers() * load.window())
                .field("codec", load.codec())
                .field("broker", options.pulsarUrl == null ? "standalone" : "given");
        figures.forEach(f -> f.json(json));
        json.field("pulsar_vs_raw_throughput", throughput)
                .field("pulsar_vs_raw_half_ack_p99", p99)
                .field("pulsar_vs_raw_records_throughput", ratio("pulsar", "raw_records", true))
                .field("pulsar_vs_raw_records_half_ack_p99", ratio("pulsar", "raw_records", false))
                .field("direct_vs_raw_throughput", ratio("direct", "raw", true))
                .field("direct_vs_raw_half_ack_p99", ratio("direct", "raw", false))
                .field("load_avg_start", load0)
                .field("load_avg_end", load1)
                .field("errors", String.join("; ", errors))
                .field("ok", errors.isEmpty());
        System.out.println(json.end());
        return errors.isEmpty() ? 0 : 1;
    }
}
