package io.tributary.bench;

import com.google.protobuf.ByteString;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.bench.pipeline.ChildJvm;
import io.tributary.hub.client.Producer;
import io.tributary.hub.client.ProducerOptions;
import io.tributary.hub.client.PutResult;
import io.tributary.hub.client.core.ClientOptions;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.hub.store.ReadResult;
import io.tributary.hub.store.ShardKey;
import io.tributary.hub.store.StoredBatch;
import io.tributary.hub.store.local.LocalShardStore;
import io.tributary.hub.store.local.LocalStoreConfig;
import io.tributary.protocol.batch.BatchPayloads;
import io.tributary.protocol.v1.Codec;
import io.tributary.protocol.v1.ContentType;
import io.tributary.protocol.v1.Record;
import io.tributary.sim.report.JsonWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

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

    @Override
    public Integer call() throws Exception {
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
            throws Exception {
        AtomicLong acked = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        long perProducer = total / producers;
        Codec c = Codec.valueOf("CODEC_" + codec.toUpperCase(Locale.ROOT));
        for (int p = 0; p < producers; p++) {
            int id = p;
            Thread t = new Thread(
                    () -> {
                        ProducerOptions opts = ProducerOptions.defaults("bench")
                                .withCodec(c)
                                .withBatching(batch, Duration.ofMillis(1), window * 2);
                        try (Producer producer = Producer.create(resources, client, opts)) {
                            produce(producer, id, perProducer, recorder, acked, failed);
                        } catch (RuntimeException e) {
                            failed.incrementAndGet();
                            e.printStackTrace();
                        }
                    },
                    "bench-producer-" + p);
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            t.join();
        }
        if (failed.get() > 0) {
            throw new IllegalStateException(failed.get() + " records (or producer threads) failed");
        }
        return acked.get();
    }

    private void produce(
            Producer producer, int id, long count, Recorder recorder, AtomicLong acked, AtomicLong failed) {
        Semaphore inFlight = new Semaphore(window);
        int keysPerProducer = Math.max(1, shards * 4 / producers);
        long perSecondPerProducer = rate / producers;
        long start = System.nanoTime();
        long sent = 0;
        int chunk = 0;
        while (sent < count) {
            int n = (int) Math.min(batch, count - sent);
            String key = "group-" + id + "-" + (chunk++ % keysPerProducer);
            List<Record.Builder> list = new ArrayList<>(n);
            long now = System.currentTimeMillis();
            for (int i = 0; i < n; i++) {
                String head = "{\"seq\":" + (sent + i) + ",\"t\":" + now + ",\"v\":";
                byte[] h = head.getBytes(StandardCharsets.US_ASCII);
                byte[] payload = new byte[recordBytes];
                java.util.Arrays.fill(payload, (byte) 'x');
                System.arraycopy(h, 0, payload, 0, Math.min(h.length, recordBytes));
                list.add(Record.newBuilder()
                        .setDeviceId("d" + i % 50)
                        .setDeviceGroup(key)
                        .setMetric("m")
                        .setEventTimeMs(now)
                        .setContentType(ContentType.CONTENT_TYPE_JSON)
                        .setPayload(ByteString.copyFrom(payload)));
            }
            if (perSecondPerProducer > 0) {
                long due = start + (long) (sent * 1e9 / perSecondPerProducer);
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    java.util.concurrent.locks.LockSupport.parkNanos(wait);
                }
            }
            inFlight.acquireUninterruptibly();
            long t0 = System.nanoTime();
            List<CompletableFuture<PutResult>> fs = producer.putAll(key, list);
            CompletableFuture.allOf(fs.toArray(CompletableFuture[]::new)).whenComplete((v, e) -> {
                if (e != null) {
                    failed.addAndGet(n);
                } else {
                    acked.addAndGet(n);
                    recorder.recordValue(Math.max(1, (System.nanoTime() - t0) / 1000));
                }
                inFlight.release();
            });
            sent += n;
        }
        inFlight.acquireUninterruptibly(window);
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
