package io.tributary.edge.buffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.protocol.v1.RecordId;
import io.tributary.testsupport.faultfs.FaultFs;
import io.tributary.testsupport.faultfs.PowerCuts;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Power cuts ({@link FaultFs}) at random points while the buffer appends, releases, rolls, compacts and deletes
 * segments: after each, the buffer reopens by itself, undamaged, with every acknowledged record readable once with its
 * id (or released, at or below a watermark at least as high as every committed release), no record twice, and an
 * epoch above every one it acknowledged records with.
 */
class DurableBufferPowerCutIT implements PowerCuts.Scenario<DurableBuffer> {

    private static final int MAX_BACKLOG = 50_000;

    @TempDir
    Path tmp;

    /** payload → "lane epoch sequence" of every acknowledged record not yet seen released. */
    private final Map<String, String> acked = new ConcurrentHashMap<>();
    /** Acknowledged records found released (and no longer tracked). */
    private long releasedRecords;
    /** lane → the highest release that completed. */
    private final Map<String, LanePosition> releasedSeen = new ConcurrentHashMap<>();

    private long lastEpoch;
    private long maxStored;

    @Test
    void powerCuts_underLoad_loseNothingAcknowledged() throws Exception {
        PowerCuts run = new PowerCuts("DurableBufferPowerCutIT", 100);
        run.run(tmp.resolve("edge"), 400, this);
        System.out.println(run.summary((acked.size() + releasedRecords) + " acknowledged records checked, at most "
                + maxStored + " records in the buffer at a reopen"));
        assertThat(acked.size() + releasedRecords).isPositive();
        assertThat(releasedRecords).as("acknowledged records released").isPositive();
        assertThat(run.total("pagesDropped")).as("unsynced pages dropped").isPositive();
        assertThat(run.total("directoryChangesUndone"))
                .as("segment creations and deletions undone")
                .isPositive();
    }

    @Override
    public DurableBuffer open(FaultFs fs) {
        return DurableBuffer.open(
                CrashChild.config(fs.root().resolve("buffer")), Clock.systemUTC(), new SimpleMeterRegistry());
    }

    @Override
    public void loadUntilPowerOff(DurableBuffer buffer, FaultFs fs) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            int thread = t;
            threads.add(new Thread(() -> produce(buffer, thread, stop), "producer-" + t));
        }
        threads.add(new Thread(() -> release(buffer, stop), "releaser"));
        threads.forEach(Thread::start);
        try {
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(1))
                    .until(fs::isDown);
        } finally {
            stop.set(true);
            for (Thread t : threads) {
                t.join();
            }
        }
    }

    private void produce(DurableBuffer buffer, int thread, AtomicBoolean stop) {
        Semaphore window = new Semaphore(100);
        String lane = "g" + thread;
        for (int i = 0; !stop.get(); i++) {
            String payload = buffer.epoch() + ":" + thread + ":" + i;
            // backpressure: a backlog that grows from cut to cut would make every check slower than the last
            while (buffer.storedRecords() > MAX_BACKLOG || !window.tryAcquire()) {
                if (stop.get()) {
                    return;
                }
                LockSupport.parkNanos(100_000);
            }
            buffer.append(TestRecords.text(lane, payload)).whenComplete((a, e) -> {
                window.release();
                if (a != null && a.isStored()) {
                    RecordId id = a.id();
                    acked.put(payload, id.getLane() + " " + id.getAgentEpoch() + " " + id.getSequence());
                }
            });
        }
    }

    /** Plays the forwarder: releases part of what each lane holds, leaving lanes behind now and then. */
    private void release(DurableBuffer buffer, AtomicBoolean stop) {
        Random random = new Random();
        while (!stop.get()) {
            for (String lane : buffer.lanes()) {
                if (random.nextInt(3) == 0) {
                    continue;
                }
                List<BufferedRecord> records;
                try {
                    records = buffer.read(lane, LanePosition.BEFORE_FIRST, 1 + random.nextInt(200), 1 << 20);
                } catch (UncheckedIOException powerOff) {
                    return; // the disk is gone
                }
                if (!records.isEmpty()) {
                    LanePosition upTo = records.get(records.size() - 1).position();
                    buffer.release(lane, upTo).thenRun(() -> releasedSeen.merge(lane, upTo, LanePosition::max));
                }
            }
            LockSupport.parkNanos(1_000_000);
        }
    }

    @Override
    public void verify(DurableBuffer buffer, String when) {
        assertThat(buffer.damaged()).as("damaged " + when).isFalse();
        assertThat(buffer.epoch()).as("epoch " + when).isGreaterThan(lastEpoch);
        lastEpoch = buffer.epoch();
        maxStored = Math.max(maxStored, buffer.storedRecords());
        Map<String, String> found = new HashMap<>();
        for (String lane : buffer.lanes()) {
            LanePosition after = LanePosition.BEFORE_FIRST;
            for (List<BufferedRecord> page = buffer.read(lane, after, 5_000, Integer.MAX_VALUE);
                    !page.isEmpty();
                    page = buffer.read(lane, after, 5_000, Integer.MAX_VALUE)) {
                for (BufferedRecord r : page) {
                    RecordId id = r.record().getId();
                    String previous = found.put(
                            TestRecords.payload(r), id.getLane() + " " + id.getAgentEpoch() + " " + id.getSequence());
                    assertThat(previous)
                            .as("%s: %s twice", when, TestRecords.payload(r))
                            .isNull();
                }
                after = page.get(page.size() - 1).position();
            }
        }
        releasedSeen.forEach((lane, seen) -> assertThat(buffer.releasedPosition(lane))
                .as("%s: durable watermark of %s", when, lane)
                .isGreaterThanOrEqualTo(seen));
        long maxAckedEpoch = 0;
        for (var it = acked.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, String> e = it.next();
            String[] id = e.getValue().split(" ");
            long epoch = Long.parseLong(id[1]);
            maxAckedEpoch = Math.max(maxAckedEpoch, epoch);
            LanePosition position = new LanePosition(epoch, Long.parseLong(id[2]));
            if (position.isAfter(buffer.releasedPosition(id[0]))) {
                assertThat(found.get(e.getKey()))
                        .as("%s: acknowledged record %s", when, e.getKey())
                        .isEqualTo(e.getValue());
            } else {
                it.remove(); // released under a durable watermark: done with it
                releasedRecords++;
            }
        }
        assertThat(buffer.epoch())
                .as("%s: epoch above every acknowledged one", when)
                .isGreaterThan(maxAckedEpoch);
    }
}
