package io.tributary.edge.buffer;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.protocol.v1.RecordId;
import io.tributary.testsupport.DiskFaults;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;

/**
 * The child JVM of {@link DurableBufferCrashIT}: opens the buffer, prints {@code OPEN <epoch> <damaged>}, then
 * appends from a few threads and prints {@code ACK <lane> <epoch> <sequence> <payload> $} for each append whose future
 * completed as stored, one flushed line each, until it is killed (or, as a safety net, after a bounded count/time).
 * Meanwhile it plays the forwarder: reads each lane from its released watermark and releases what it read, printing
 * {@code REL <lane> <epoch> <sequence> $} once a release is committed. Small segments and chunks make segment
 * deletion and compaction happen many times per run.
 *
 * <p>With a third argument {@code faults}, the disk also fails on and off: every few milliseconds ENOSPC or EIO at a
 * segment write, fsync or create or a directory fsync ({@link DiskFaults}), cleared a few milliseconds later, so the
 * buffer keeps going offline and recovering; it prints {@code REC $} each time it accepts records again.
 */
public final class CrashChild {

    private CrashChild() {}

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        int threads = Integer.parseInt(args[1]);
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        boolean withFaults = args.length > 2 && args[2].equals("faults");
        DiskFaults faults = new DiskFaults();
        DurableBuffer buffer =
                DurableBuffer.open(config(file), Clock.systemUTC(), new SimpleMeterRegistry(), faults::open);
        out.println("OPEN " + buffer.epoch() + " " + buffer.damaged());
        long deadline = System.nanoTime() + 30_000_000_000L;
        CountDownLatch done = new CountDownLatch(threads);
        for (int t = 0; t < threads; t++) {
            int thread = t;
            Thread producer = new Thread(() -> {
                Semaphore window = new Semaphore(200);
                String lane = "g" + (thread % 2);
                for (int i = 0; i < 2_000_000 && System.nanoTime() < deadline; i++) {
                    String payload = buffer.epoch() + ":" + thread + ":" + i;
                    window.acquireUninterruptibly();
                    buffer.append(TestRecords.text(lane, payload)).whenComplete((a, e) -> {
                        window.release();
                        if (a != null && a.isStored()) {
                            RecordId id = a.id();
                            out.println("ACK " + id.getLane() + " " + id.getAgentEpoch() + " " + id.getSequence() + " "
                                    + payload + " $");
                        }
                    });
                }
                done.countDown();
            });
            producer.setDaemon(true);
            producer.start();
        }
        Thread releaser = new Thread(() -> release(buffer, out, deadline));
        releaser.setDaemon(true);
        releaser.start();
        if (withFaults) {
            Thread disk = new Thread(() -> failOnAndOff(buffer, faults, out, deadline));
            disk.setDaemon(true);
            disk.start();
        }
        done.await();
        buffer.close();
    }

    /** The buffer settings of every child and of the test's final check. */
    static BufferConfig config(Path dir) {
        return BufferConfig.builder(dir, "crash-agent")
                .segmentBytes(64 * 1024)
                .maxChunkBytes(4 * 1024)
                .build();
    }

    private static void failOnAndOff(DurableBuffer buffer, DiskFaults faults, PrintStream out, long deadline) {
        java.util.Random random = new java.util.Random();
        DiskFaults.Point[] points = {
            DiskFaults.Point.WRITE, DiskFaults.Point.FORCE, DiskFaults.Point.CREATE, DiskFaults.Point.DIRECTORY_FORCE
        };
        while (System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos((2 + random.nextInt(18)) * 1_000_000L);
            DiskFaults.Point point = points[random.nextInt(points.length)];
            faults.failAt(
                    point,
                    point == DiskFaults.Point.DIRECTORY_FORCE ? "buffer" : "segment-",
                    random.nextBoolean() ? DiskFaults.noSpace() : DiskFaults.ioError());
            java.util.concurrent.locks.LockSupport.parkNanos((2 + random.nextInt(18)) * 1_000_000L);
            boolean wasOffline = !buffer.status().accepting();
            faults.clear();
            for (int i = 0; i < 1_000 && !buffer.status().accepting(); i++) {
                java.util.concurrent.locks.LockSupport.parkNanos(5_000_000); // up to 5 s: backoff is at most 5 s
            }
            if (wasOffline && buffer.status().accepting()) {
                out.println("REC $");
            }
        }
    }

    private static void release(DurableBuffer buffer, PrintStream out, long deadline) {
        java.util.Random random = new java.util.Random();
        while (System.nanoTime() < deadline) {
            for (String lane : buffer.lanes()) {
                if (random.nextInt(4) == 0) {
                    continue; // leave some lanes behind for a while, so that live chunks pin old segments
                }
                var records = buffer.read(lane, LanePosition.BEFORE_FIRST, 1 + random.nextInt(300), 1 << 20);
                if (!records.isEmpty()) {
                    LanePosition upTo = records.get(records.size() - 1).position();
                    buffer.release(lane, upTo)
                            .thenRun(() ->
                                    out.println("REL " + lane + " " + upTo.epoch() + " " + upTo.sequence() + " $"));
                }
            }
            java.util.concurrent.locks.LockSupport.parkNanos(2_000_000);
        }
    }
}
