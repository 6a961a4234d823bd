package io.tributary.bench;

import io.tributary.hub.client.ConsumerRecord;
import io.tributary.hub.client.Producer;
import io.tributary.hub.client.ProducerOptions;
import io.tributary.hub.client.ReadPosition;
import io.tributary.hub.client.ShardReader;
import io.tributary.hub.client.ShardReaderOptions;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.sim.report.JsonWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./tributary bench consume-latency}: put → push-consumer receive latency at a paced rate. The hub runs in a
 * child JVM; the producer and a {@link ShardReader} run here, so the latency is the reader's receive time minus the
 * {@link System#nanoTime()} the producer wrote into each payload (one clock). Ends with one JSON line.
 */
@Command(
        name = "consume-latency",
        mixinStandardHelpOptions = true,
        description = {
            "Put -> push-consumer receive latency percentiles at a paced rate (hub in a child JVM, every ack after"
                    + " fsync by default).",
            "Ends with one JSON line."
        })
public final class ConsumeLatencyBench implements Callable<Integer> {
    @Option(names = "--rate", defaultValue = "50000", description = "Records/s offered (default ${DEFAULT-VALUE}).")
    long rate;

    @Option(names = "--seconds", defaultValue = "20", description = "Measured seconds (default ${DEFAULT-VALUE}).")
    int seconds;

    @Option(
            names = "--warmup-seconds",
            defaultValue = "15",
            description = "Unmeasured seconds first (JIT warm-up of hub and client; default ${DEFAULT-VALUE}).")
    int warmupSeconds;

    @Option(names = "--batch", defaultValue = "50", description = "Records per put (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--record-bytes", defaultValue = "100", description = "Payload bytes per record.")
    int recordBytes;

    @Option(names = "--credit", defaultValue = "10000", description = "Records the hub may push ahead.")
    int credit;

    @Option(names = "--durability", defaultValue = "fsync", description = "fsync (default) or page-cache.")
    String durability;

    @Option(names = "--data-dir", description = "Where the hub writes (default: a temporary directory, deleted).")
    Path dataDir;

    @Override
    public Integer call() throws Exception {
        long total = rate * (warmupSeconds + seconds);
        System.err.printf(
                "bench consume-latency: %,d records/s for %d s (+%d s warm-up), %d per put, %d bytes, credit %d,"
                        + " durability %s%n",
                rate, seconds, warmupSeconds, batch, recordBytes, credit, durability);
        Recorder latency = new Recorder(3);
        Recorder acks = new Recorder(3);
        AtomicLong received = new AtomicLong();
        long measureFrom;
        double hubCpu;
        try (ClientResources resources = new ClientResources(1);
                BenchHub hub = BenchHub.start(resources, dataDir, durability, "latency", 1, "latency")) {
            measureFrom = System.nanoTime() + warmupSeconds * 1_000_000_000L;
            Thread consumer =
                    new Thread(() -> consume(resources, hub, total, measureFrom, latency, received), "bench-consumer");
            consumer.setDaemon(true);
            consumer.start();
            ProducerOptions opts = ProducerOptions.defaults("latency").withBatching(batch, Duration.ofMillis(1), 256);
            Thread resetAcks = new Thread(
                    () -> {
                        java.util.concurrent.locks.LockSupport.parkNanos(measureFrom - System.nanoTime());
                        acks.reset(); // ack latency counts from the end of the warm-up, like the receive latency
                    },
                    "bench-warmup-end");
            resetAcks.setDaemon(true);
            resetAcks.start();
            double cpu0 = hub.jvm.cpuSeconds();
            try (Producer producer = Producer.create(resources, hub.client, opts)) {
                new PacedLoad(List.of("k0", "k1", "k2", "k3"), rate, batch, recordBytes, 128)
                        .run(producer, total, acks, () -> false);
            }
            consumer.join(60_000);
            hubCpu = hub.jvm.cpuSeconds() - cpu0;
        }
        Histogram h = latency.getIntervalHistogram();
        Histogram a = acks.getIntervalHistogram();
        System.err.printf(
                "received %,d of %,d; put->receive p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms; put ack p99"
                        + " %.2f ms; hub %.2f CPU-s per million records%n",
                received.get(),
                total,
                BenchHub.ms(h, 50),
                BenchHub.ms(h, 99),
                BenchHub.ms(h, 99.9),
                h.getMaxValue() / 1000.0,
                BenchHub.ms(a, 99),
                hubCpu / total * 1e6);
        System.out.println(new JsonWriter()
                .field("bench", "consume-latency")
                .field("rate", rate)
                .field("seconds", seconds)
                .field("records", total)
                .field("received", received.get())
                .field("durability", durability)
                .field("latency_p50_ms", BenchHub.ms(h, 50))
                .field("latency_p99_ms", BenchHub.ms(h, 99))
                .field("latency_p999_ms", BenchHub.ms(h, 99.9))
                .field("latency_max_ms", h.getMaxValue() / 1000.0)
                .field("ack_p99_ms", BenchHub.ms(a, 99))
                .field("hub_cpu_s_per_million", hubCpu / total * 1e6)
                .end());
        return received.get() == total ? 0 : 1;
    }

    private void consume(
            ClientResources resources,
            BenchHub hub,
            long total,
            long measureFrom,
            Recorder latency,
            AtomicLong received) {
        try (ShardReader reader = ShardReader.open(
                resources,
                hub.client,
                ShardReaderOptions.of("latency", "shard-000000", ReadPosition.trimHorizon())
                        .withCredit(credit, 0))) {
            long idleSince = System.nanoTime();
            long started = idleSince;
            long nextReport = started + 1_000_000_000L;
            Histogram second = new Histogram(3);
            while (received.get() < total) {
                List<ConsumerRecord> records = reader.poll(Duration.ofMillis(100));
                long now = System.nanoTime();
                if (now >= nextReport) {
                    // Per-second figures on stderr show whether a tail is steady or one stall.
                    System.err.printf(
                            "  %3d s: %,7d received, p50 %.2f ms, p99 %.2f ms, max %.2f ms%n",
                            (now - started) / 1_000_000_000L,
                            second.getTotalCount(),
                            BenchHub.ms(second, 50),
                            BenchHub.ms(second, 99),
                            second.getMaxValue() / 1000.0);
                    second.reset();
                    nextReport += 1_000_000_000L;
                }
                if (records.isEmpty()) {
                    if (now - idleSince > 30_000_000_000L) {
                        System.err.println("consumer idle for 30 s; giving up");
                        return;
                    }
                    continue;
                }
                idleSince = now;
                for (ConsumerRecord r : records) {
                    long sent = PacedLoad.sendNanos(r.record().getPayload());
                    long micros = Math.max(1, (now - sent) / 1000);
                    second.recordValue(micros);
                    if (sent >= measureFrom) {
                        latency.recordValue(micros);
                    }
                }
                received.addAndGet(records.size());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            e.printStackTrace();
        }
    }
}
