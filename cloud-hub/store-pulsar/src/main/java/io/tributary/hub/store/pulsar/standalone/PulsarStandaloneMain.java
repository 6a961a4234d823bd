package io.tributary.hub.store.pulsar.standalone;

import io.tributary.protocol.cli.Cli;
import io.tributary.protocol.fs.DirectoryLock;
import io.tributary.protocol.fs.DirectoryLockedException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./tributary pulsar-standalone}: a Pulsar standalone broker for trying the hub's Pulsar store, in the
 * foreground until interrupted (Ctrl-C or SIGTERM stop the broker, which has 20 s to finish before it is killed).
 */
@Command(
        name = "pulsar-standalone",
        mixinStandardHelpOptions = true,
        description = {
            "Starts an Apache Pulsar standalone broker (one broker, one bookie with its journal fsync'd, metadata in"
                    + " RocksDB; no functions worker, no stream storage) on 127.0.0.1, for trying"
                    + " './tributary hub --store pulsar' and for tests — not for production.",
            "The broker runs in a JVM of its own (it needs Netty 4.1, Tributary uses 4.2); its class path is"
                    + " resolved by Maven the first time (about 250 MB from Maven Central)."
        },
        sortOptions = false)
public final class PulsarStandaloneMain implements Callable<Integer> {
    @Option(names = "--data-dir", paramLabel = "DIR", required = true, description = "Broker data, config and logs.")
    Path dataDir;

    @Option(names = "--port", defaultValue = "6650", description = "Broker service port (pulsar://127.0.0.1:PORT).")
    int port;

    @Option(names = "--http-port", defaultValue = "8080", description = "Admin REST port (http://127.0.0.1:PORT).")
    int httpPort;

    @Option(names = "--bookie-port", defaultValue = "3181", description = "The embedded bookie's port.")
    int bookiePort;

    @Option(
            names = "--cluster",
            paramLabel = "NAME",
            defaultValue = StandaloneBroker.DEFAULT_CLUSTER,
            description = "Pulsar cluster name (letters, digits, '_' and '-', at most 64). Two standalones joined for"
                    + " geo-replication need distinct names. Fixed at the first start on a data directory.")
    String cluster;

    @Option(names = "--heap", defaultValue = "256m", description = "The broker JVM's maximum heap.")
    String heap;

    @Option(
            names = "--start-timeout",
            defaultValue = "PT2M",
            paramLabel = "DURATION",
            description = "How long to wait for the broker to be ready (ISO-8601).")
    Duration startTimeout;

    public static void main(String[] args) {
        System.exit(Cli.execute("pulsar-standalone", new PulsarStandaloneMain(), args));
    }

    @Override
    public Integer call() throws Exception {
        if (!heap.matches("[0-9]+[kKmMgG]?")) {
            throw new IllegalArgumentException("--heap must be a JVM size such as 256m, not '" + heap + "'");
        }
        if (!StandaloneBroker.CLUSTER_NAME.matcher(cluster).matches()) {
            throw new IllegalArgumentException(
                    "--cluster must match " + StandaloneBroker.CLUSTER_NAME.pattern() + ", not '" + cluster + "'");
        }
        for (int p : new int[] {port, httpPort, bookiePort}) {
            if (p < 1 || p > 65535) {
                throw new IllegalArgumentException("port " + p + " is out of range 1-65535");
            }
            if (!free(p)) {
                System.err.println("tributary pulsar-standalone: port " + p + " on 127.0.0.1 is in use (choose"
                        + " another with --port, --http-port or --bookie-port)");
                return 1;
            }
        }
        Files.createDirectories(dataDir);
        try (DirectoryLock lock = DirectoryLock.acquire(dataDir, ".tributary-pulsar.lock", "Pulsar standalone")) {
            return run();
        } catch (DirectoryLockedException e) {
            System.err.println("tributary pulsar-standalone: " + e.getMessage());
            return 1;
        }
    }

    private int run() throws IOException, InterruptedException {
        Path home = Path.of(System.getProperty("tributary.home", ".")).toAbsolutePath();
        Path work = home.resolve("cloud-hub/store-pulsar/target/pulsar");
        if (!Files.exists(work.resolve("broker.classpath"))) {
            System.err.println("tributary pulsar-standalone: resolving the broker's class path with Maven (the first"
                    + " time about 250 MB from Maven Central; log in " + work.resolve("resolve.log") + ")");
        }
        List<String> classPath = BrokerClassPath.resolve(
                home.resolve("cloud-hub/store-pulsar/pulsar-broker/pom.xml"), home.resolve("mvnw"), work);
        StandaloneBroker broker = new StandaloneBroker(
                dataDir.toAbsolutePath(),
                classPath,
                new StandaloneBroker.Settings(port, httpPort, bookiePort, heap).withCluster(cluster));
        Thread stopper = new Thread(() -> broker.stop(Duration.ofSeconds(20)), "pulsar-standalone-stop");
        Runtime.getRuntime().addShutdownHook(stopper);
        broker.start(startTimeout);
        System.out.println("Pulsar standalone ready: cluster " + cluster + ", service URL " + broker.serviceUrl()
                + ", admin URL " + broker.adminUrl() + ", data " + dataDir.toAbsolutePath() + ", log " + broker.log());
        System.out.println("Try: ./tributary hub --store pulsar --pulsar-url " + broker.serviceUrl()
                + " --pulsar-admin-url " + broker.adminUrl() + "   (Ctrl-C here stops the broker)");
        int exit = broker.process().waitFor();
        try {
            Runtime.getRuntime().removeShutdownHook(stopper);
        } catch (IllegalStateException shuttingDown) {
            return 0; // Ctrl-C or SIGTERM: the hook stopped the broker
        }
        System.err.println("tributary pulsar-standalone: the broker exited with " + exit + ", see " + broker.log());
        return 1;
    }

    private static boolean free(int port) {
        try (ServerSocket probe = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
