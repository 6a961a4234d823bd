package io.tributary.edge.buffer;

import com.google.protobuf.ByteString;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.protocol.v1.ContentType;
import io.tributary.protocol.v1.Record;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A throwaway measurement, not a test: appends/s of 100-byte records from 10 producers, each with up to 1,000 appends
 * in flight (like 10 MQTT connections with a QoS 1 window). Args: storage mode, seconds.
 *
 * <pre>
 * ./mvnw -B -o -q -pl edge-agent test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 * java -cp edge-agent/target/classes:edge-agent/target/test-classes:$(cat edge-agent/target/cp.txt) \
 *     io.tributary.edge.buffer.BufferThroughput 10
 * </pre>
 */
public final class BufferThroughput {

    private BufferThroughput() {}

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        Path dir = Files.createTempDirectory("buffer-throughput");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        BufferConfig config =
                BufferConfig.builder(dir.resolve("buffer"), "bench").build();
        AtomicLong stored = new AtomicLong();
        AtomicLong refused = new AtomicLong();
        try (DurableBuffer buffer = DurableBuffer.open(config, Clock.systemUTC(), registry)) {
            byte[] payload = new byte[100];
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            long start = System.nanoTime();
            CountDownLatch done = new CountDownLatch(10);
            for (int p = 0; p < 10; p++) {
                String lane = "g" + (p % 4);
                Record body = Record.newBuilder()
                        .setDeviceId("dev-" + p)
                        .setDeviceGroup(lane)
                        .setMetric("temp")
                        .setContentType(ContentType.CONTENT_TYPE_RAW)
                        .setPayload(ByteString.copyFrom(payload))
                        .build();
                Thread t = new Thread(() -> {
                    Semaphore window = new Semaphore(1_000);
                    while (System.nanoTime() < end) {
                        window.acquireUninterruptibly();
                        buffer.append(PendingRecord.of(lane, body)).whenComplete((a, e) -> {
                            (a != null && a.isStored() ? stored : refused).incrementAndGet();
                            window.release();
                        });
                    }
                    window.acquireUninterruptibly(1_000);
                    done.countDown();
                });
                t.start();
            }
            done.await();
            double secs = (System.nanoTime() - start) / 1e9;
            Timer commit = registry.get("tributary.edge.buffer.commit").timer();
            System.out.printf(
                    "%.0f appends/s stored (%d stored, %d refused in %.1f s), %d commits, mean commit %.2f ms,"
                            + " %.0f records/commit, %d MB stored%n",
                    stored.get() / secs,
                    stored.get(),
                    refused.get(),
                    secs,
                    commit.count(),
                    commit.mean(TimeUnit.MILLISECONDS),
                    (double) stored.get() / commit.count(),
                    buffer.storedBytes() >> 20);
        }
    }
}
