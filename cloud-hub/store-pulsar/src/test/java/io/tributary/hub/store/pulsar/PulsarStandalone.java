package io.tributary.hub.store.pulsar;

import io.tributary.hub.store.pulsar.standalone.BrokerClassPath;
import io.tributary.hub.store.pulsar.standalone.StandaloneBroker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * The ITs' Pulsar: a {@link StandaloneBroker} (the one {@code ./tributary pulsar-standalone} runs) on free loopback
 * ports with a 128 MB heap and a data directory of its own. {@link #kill} is SIGKILL, {@link #restart} starts again on
 * the same data and ports, {@link #close} kills it and deletes the data. Its ledgers roll over after {@link
 * #LEDGER_MAX_ENTRIES} entries.
 *
 * <p>Not thread-safe: one test thread drives it.
 */
final class PulsarStandalone implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    /**
     * A topic's ledger rolls over after this many entries (Pulsar's default is 50,000 and at least 10 minutes), so
     * that retention ITs see Pulsar delete ledgers after a few hundred batches.
     */
    static final int LEDGER_MAX_ENTRIES = 50;

    private final Path dir;
    private final StandaloneBroker broker;

    private PulsarStandalone(Path dir, List<String> classPath, String cluster) throws IOException {
        this.dir = dir;
        this.broker = new StandaloneBroker(
                dir,
                classPath,
                new StandaloneBroker.Settings(freePort(), freePort(), freePort(), "128m", LEDGER_MAX_ENTRIES, cluster));
    }

    /**
     * The broker's class path, or a skipped test when it cannot be resolved (no network on the first use) — a failed
     * test instead when the environment variable {@code CI} is {@code true}: CI must run these tests.
     */
    static List<String> classPathOrSkip() {
        try {
            return classPath();
        } catch (IOException e) {
            String message = "Pulsar broker class path not resolved, Pulsar ITs skipped: " + e.getMessage();
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                Assertions.fail(message + " (CI=true: the Pulsar ITs must run)", e);
            }
            System.err.println("WARNING: " + message); // a skipped class is easy to miss in the build log
            Assumptions.abort(message);
            throw new UncheckedIOException(e); // not reached: abort throws
        }
    }

    /** Resolves (once; the result file is reused) the class path of the broker. */
    static List<String> classPath() throws IOException {
        return BrokerClassPath.resolve(
                Path.of(System.getProperty("tributary.pulsar.brokerPom", "pulsar-broker/pom.xml")),
                Path.of(System.getProperty("tributary.mavenWrapper", "../../mvnw")),
                Path.of(System.getProperty("tributary.pulsar.workDir", "target/pulsar")));
    }

    /** Starts a broker with a new data directory under {@code dir}. */
    static PulsarStandalone start(Path dir, List<String> classPath) throws IOException {
        return start(dir, classPath, StandaloneBroker.DEFAULT_CLUSTER);
    }

    /** Starts a broker forming the Pulsar cluster {@code cluster} with a new data directory under {@code dir}. */
    static PulsarStandalone start(Path dir, List<String> classPath, String cluster) throws IOException {
        Files.createDirectories(dir);
        PulsarStandalone broker = new PulsarStandalone(dir, classPath, cluster);
        broker.broker.start(START_TIMEOUT);
        return broker;
    }

    String serviceUrl() {
        return broker.serviceUrl();
    }

    URI adminUrl() {
        return broker.adminUrl();
    }

    String cluster() {
        return broker.clusterName();
    }

    long pid() {
        return broker.process().pid();
    }

    /** SIGKILL; waits until the process is gone. */
    void kill() {
        broker.kill();
    }

    /** Kills the broker (SIGKILL) if it runs, then starts it again on the same data and ports. */
    void restart() throws IOException {
        broker.kill();
        broker.start(START_TIMEOUT);
    }

    @Override
    public void close() {
        broker.kill();
        try (Stream<Path> walk = Files.walk(dir.resolve("data"))) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("deleting the broker's data in " + dir, e);
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        }
    }
}
