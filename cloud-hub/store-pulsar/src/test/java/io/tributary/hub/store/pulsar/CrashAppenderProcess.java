package io.tributary.hub.store.pulsar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.hub.store.ProducerKey;
import io.tributary.hub.store.ShardKey;
import io.tributary.testsupport.ChildJvms;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link PulsarCrashAppender} in a child JVM and what it printed so far: the acknowledged batches (id → base
 * sequence) and the retention passes it completed. Its output is read on a thread of its own; {@link #kill} is
 * SIGKILL.
 */
final class CrashAppenderProcess {
    /** Acknowledged batches: id → base sequence. */
    final Map<Long, Long> acked = new ConcurrentHashMap<>();
    /** The highest oldest sequence a completed retention pass reported. */
    final AtomicLong horizon = new AtomicLong();
    /** Retention passes completed. */
    final AtomicInteger trims = new AtomicInteger();

    private final Process child;
    private final Thread reader;

    private CrashAppenderProcess(Process child) {
        this.child = child;
        this.reader = new Thread(this::read, "crash-appender-output");
        reader.start();
    }

    /** Starts the child on {@code shard}; {@code retainBytes} > 0 has it apply that retention as it goes. */
    static CrashAppenderProcess start(PulsarStandalone broker, ShardKey shard, ProducerKey producer, long retainBytes)
            throws IOException {
        return new CrashAppenderProcess(new ProcessBuilder(ChildJvms.command(
                        "96m",
                        PulsarCrashAppender.class,
                        broker.serviceUrl(),
                        broker.adminUrl().toString(),
                        shard.stream(),
                        shard.shardId(),
                        producer.agentId(),
                        producer.lane(),
                        Long.toString(producer.epoch()),
                        Long.toString(retainBytes)))
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start());
    }

    private void read() {
        try (BufferedReader in =
                new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                String[] parts = line.split(" ");
                if (parts.length == 4 && parts[0].equals("ACK") && parts[3].equals(".")) {
                    acked.put(Long.parseLong(parts[2]), Long.parseLong(parts[1]));
                } else if (parts.length == 3 && parts[0].equals("TRIM") && parts[2].equals(".")) {
                    horizon.accumulateAndGet(Long.parseLong(parts[1]), Math::max);
                    trims.incrementAndGet();
                }
            }
        } catch (IOException e) {
            // The pipe breaks when the child is killed; what was read so far is what counts.
        }
    }

    /** Waits (at most 60 s) until {@code enough} holds or the child exited, then {@link #kill}s it. */
    void killOnce(String what, Callable<Boolean> enough) throws InterruptedException {
        try {
            await(what).atMost(Duration.ofSeconds(60)).until(() -> enough.call() || !child.isAlive());
        } finally {
            kill();
        }
    }

    /** SIGKILL; returns once the process is gone and its output read to the end. */
    private void kill() throws InterruptedException {
        child.destroyForcibly();
        assertThat(child.waitFor(20, TimeUnit.SECONDS)).isTrue();
        reader.join(20_000);
    }
}
