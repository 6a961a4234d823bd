package io.tributary.hub.group;

import io.tributary.hub.Hub;
import io.tributary.hub.client.AdminClient;
import io.tributary.hub.client.core.ClientOptions;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.hub.client.core.HubEndpoint;
import io.tributary.hub.config.HubConfig;
import io.tributary.protocol.v1.Lease;
import io.tributary.protocol.v1.PartitionKeyMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Checkpoint throughput: one member in each of N consumer groups checkpoints its two leased shards in a closed loop
 * (one checkpoint outstanding per member, each acknowledged after its fsync) against an in-process hub for S seconds.
 * Arguments: groups, seconds, [parent dir of the hub's data dir, default /tmp]. Ends with one JSON line. Run with the
 * command in docs/benchmarks.md.
 */
public final class CheckpointThroughput {
    public static void main(String[] args) throws Exception {
        int groups = Integer.parseInt(args[0]);
        long seconds = Long.parseLong(args[1]);
        Path data = Files.createTempDirectory(Path.of(args.length > 2 ? args[2] : "/tmp"), "ckpt-bench");
        try (Hub hub = Hub.start(HubConfig.load(
                        Optional.empty(),
                        Map.of(),
                        Map.of("data-dir", data.toString(), "port", "0", "metrics-port", "-1")));
                ClientResources resources = new ClientResources(1)) {
            ClientOptions options = ClientOptions.builder(List.of(new HubEndpoint("127.0.0.1", hub.port())))
                    .build();
            try (AdminClient admin = AdminClient.connect(resources, options)) {
                admin.createStream("s", 2, PartitionKeyMode.PARTITION_KEY_MODE_GROUP, 0, 0);
            }
            AtomicLong done = new AtomicLong();
            long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
            List<Thread> threads = new ArrayList<>();
            for (int g = 0; g < groups; g++) {
                RawMember m = new RawMember(resources, options, "s", "g" + g, "m" + g);
                List<Lease> leases = m.heartbeat().getLeasesList();
                Thread t = new Thread(() -> {
                    try {
                        for (long seq = 0; System.nanoTime() < end; seq++) {
                            Lease l = leases.get((int) (seq % leases.size()));
                            if (!m.checkpoint(l.getShardId(), l.getToken(), seq, false)
                                    .getAccepted()) {
                                throw new IllegalStateException("refused");
                            }
                            done.incrementAndGet();
                        }
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    } finally {
                        m.close();
                    }
                });
                threads.add(t);
            }
            long start = System.nanoTime();
            threads.forEach(Thread::start);
            for (Thread t : threads) {
                t.join();
            }
            double s = (System.nanoTime() - start) / 1e9;
            System.out.printf(
                    "{\"bench\":\"checkpoints\",\"groups\":%d,\"checkpoints\":%d,\"seconds\":%.1f,\"per_second\":%.0f}%n",
                    groups, done.get(), s, done.get() / s);
        } finally {
            try (Stream<Path> files = Files.walk(data)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }
}
