package io.tributary.bench;

import io.tributary.bench.pipeline.ChildJvm;
import io.tributary.hub.client.AdminClient;
import io.tributary.hub.client.core.ClientOptions;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.hub.client.core.HubEndpoint;
import io.tributary.protocol.v1.CreateStream;
import io.tributary.protocol.v1.PartitionKeyMode;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * A hub in a child JVM for the consumer benchmarks, with one stream created, plus small helpers they share. Close it
 * to stop the hub (and delete its data when the directory was temporary). Not thread-safe.
 */
final class BenchHub implements AutoCloseable {
    final ChildJvm jvm;
    final ClientOptions client;
    private final Path dir;
    private final boolean temporary;

    private BenchHub(ChildJvm jvm, ClientOptions client, Path dir, boolean temporary) {
        this.jvm = jvm;
        this.client = client;
        this.dir = dir;
        this.temporary = temporary;
    }

    /** Starts a hub ({@code -Xmx1g}, parallel GC, metrics off) and creates {@code stream} with {@code shards}. */
    static BenchHub start(
            ClientResources resources, Path dataDir, String durability, String stream, int shards, String name)
            throws IOException {
        BenchHub hub = launch(dataDir, name, "--durability", durability);
        try {
            hub.createStream(
                    resources,
                    CreateStream.newBuilder()
                            .setStream(stream)
                            .setShardCount(shards)
                            .setKeyMode(PartitionKeyMode.PARTITION_KEY_MODE_GROUP)
                            .build());
        } catch (RuntimeException e) {
            hub.close();
            throw e;
        }
        return hub;
    }

    /**
     * Starts a hub ({@code -Xmx1g}, parallel GC, metrics off, {@code extra} hub arguments) with its data in {@code
     * dataDir/hub} and its log in {@code dataDir/hub.log} ({@code dataDir} null: a temporary directory, deleted at
     * close).
     */
    static BenchHub launch(Path dataDir, String name, String... extra) throws IOException {
        boolean temporary = dataDir == null;
        Path dir = temporary ? Files.createTempDirectory("tributary-bench-" + name) : Files.createDirectories(dataDir);
        ChildJvm jvm = ChildJvm.start(
                ChildJvm.HUB_MAIN,
                ChildJvm.hubArgs(dir.resolve("hub"), 0, extra),
                List.of("-Xmx1g", "-XX:+UseParallelGC"),
                dir.resolve("hub.log"),
                Duration.ofSeconds(60));
        ClientOptions client = ClientOptions.builder(List.of(new HubEndpoint("127.0.0.1", jvm.port())))
                .clientName("bench-" + name)
                .build();
        System.err.printf("hub %s: pid %d, port %d, data in %s%n", name, jvm.pid(), jvm.port(), dir);
        return new BenchHub(jvm, client, dir, temporary);
    }

    /** Creates a stream as {@code request} says, trying three times. */
    void createStream(ClientResources resources, CreateStream request) {
        for (int attempt = 1; ; attempt++) {
            // A freshly started hub on a loaded machine may miss the client's 5 s handshake deadline: try again.
            try (AdminClient admin = AdminClient.connect(resources, client)) {
                admin.createStream(request);
                return;
            } catch (RuntimeException e) {
                if (attempt == 3) {
                    throw e;
                }
                System.err.println("creating the stream failed (" + e.getMessage() + "); trying again");
            }
        }
    }

    static double ms(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(percentile) / 1000.0;
    }

    static double processCpuSeconds() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime() / 1e9;
        }
        return -1;
    }

    @Override
    public void close() {
        jvm.close();
        if (temporary) {
            try (var paths = Files.walk(dir)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                System.err.println("could not delete " + dir + ": " + e.getMessage());
            }
        }
    }
}
