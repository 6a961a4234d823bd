package io.tributary.hub.store.pulsar;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * A Pulsar standalone broker (with one in-process bookie, metadata in RocksDB, no ZooKeeper, no functions worker, no
 * stream storage) in a child JVM, for the ITs. The broker needs Netty 4.1 and the project uses 4.2, so it never runs
 * on the test class path: {@link #classPath} resolves its own from {@code src/test/pulsar-broker/pom.xml} with the
 * project's Maven wrapper (online the first time, about 250 MB, then from {@code ~/.m2}) and caches the result under
 * {@code target/pulsar/}. Each start writes a config with free loopback ports (broker, admin HTTP and bookie) and a
 * data directory of its own, starts the JVM with lean flags (128 MB heap, serial GC, C1 only: about 3 s and 250-350
 * MiB), and waits for the admin API. {@link #kill} is SIGKILL, {@link #restart} starts again on the same data and
 * ports, {@link #close} kills by PID and deletes the data.
 *
 * <p>Not thread-safe: one test thread drives it.
 */
final class PulsarStandalone implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration RESOLVE_TIMEOUT = Duration.ofMinutes(10);

    private final Path dir;
    private final List<String> classPath;
    private final int brokerPort;
    private final int webPort;
    private final int bookiePort;
    private final HttpClient http = HttpClient.newHttpClient();
    private Process process;
    private int starts;

    private PulsarStandalone(Path dir, List<String> classPath) throws IOException {
        this.dir = dir;
        this.classPath = classPath;
        this.brokerPort = freePort();
        this.webPort = freePort();
        this.bookiePort = freePort();
        writeConfig();
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
        Path work = Path.of(System.getProperty("tributary.pulsar.workDir", "target/pulsar"));
        Path pom = Path.of(System.getProperty("tributary.pulsar.brokerPom", "src/test/pulsar-broker/pom.xml"));
        Path mvnw = Path.of(System.getProperty("tributary.mavenWrapper", "../../mvnw"));
        if (!Files.exists(pom)) {
            throw new IOException("the broker's pom is missing: " + pom);
        }
        Files.createDirectories(work);
        Path file = work.resolve("broker.classpath");
        if (!Files.exists(file) || Files.getLastModifiedTime(file).compareTo(Files.getLastModifiedTime(pom)) < 0) {
            Path log = work.resolve("resolve.log");
            Path partial = work.resolve("broker.classpath.partial");
            Process p = new ProcessBuilder(
                            mvnw.toAbsolutePath().toString(),
                            "-B",
                            "-q",
                            "-f",
                            pom.toAbsolutePath().toString(),
                            "dependency:build-classpath",
                            "-Dmdep.outputFile=" + partial.toAbsolutePath(),
                            "-Dmdep.includeScope=runtime")
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            try {
                if (!p.waitFor(RESOLVE_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new IOException("resolving the broker class path took over " + RESOLVE_TIMEOUT);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.destroyForcibly();
                throw new IOException("interrupted", e);
            }
            if (p.exitValue() != 0 || !Files.exists(partial)) {
                throw new IOException(
                        "mvnw dependency:build-classpath failed (exit " + p.exitValue() + "), see " + log);
            }
            Files.move(partial, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        List<String> entries = List.of(Files.readString(file).trim().split(java.io.File.pathSeparator));
        for (String e : entries) {
            if (!Files.exists(Path.of(e))) {
                Files.delete(file); // ~/.m2 changed under the cached list: resolve again next time
                throw new IOException("class path entry missing: " + e);
            }
        }
        return entries;
    }

    /** Starts a broker with a new data directory under {@code dir}. */
    static PulsarStandalone start(Path dir, List<String> classPath) throws IOException {
        Files.createDirectories(dir);
        PulsarStandalone broker = new PulsarStandalone(dir, classPath);
        broker.launch();
        return broker;
    }

    String serviceUrl() {
        return "pulsar://127.0.0.1:" + brokerPort;
    }

    URI adminUrl() {
        return URI.create("http://127.0.0.1:" + webPort);
    }

    long pid() {
        return process.pid();
    }

    /** SIGKILL; waits until the process is gone. */
    void kill() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            try {
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("broker " + process.pid() + " survived SIGKILL for 30 s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Kills the broker (SIGKILL) if it runs, then starts it again on the same data and ports. */
    void restart() throws IOException {
        kill();
        launch();
    }

    @Override
    public void close() {
        kill();
        try (Stream<Path> walk = Files.walk(dir.resolve("data"))) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("deleting the broker's data in " + dir, e);
        }
    }

    private void launch() throws IOException {
        starts++;
        Path conf = dir.resolve("conf");
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of(
                "-Xms32m",
                "-Xmx128m",
                "-XX:MaxDirectMemorySize=64m",
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-XX:ReservedCodeCacheSize=64m",
                "-Xss512k",
                "-XX:-UsePerfData",
                "-Dlog4j.configurationFile=" + conf.resolve("log4j2.xml"),
                "-Dlog4j.shutdownHookEnabled=false",
                "-Djava.net.preferIPv4Stack=true",
                "-Dio.netty.tryReflectionSetAccessible=true",
                "--add-opens",
                "java.base/java.io=ALL-UNNAMED",
                "--add-opens",
                "java.base/java.util.zip=ALL-UNNAMED",
                "--add-opens",
                "java.base/java.nio=ALL-UNNAMED",
                "--add-opens",
                "java.base/jdk.internal.misc=ALL-UNNAMED",
                "--add-opens",
                "java.base/sun.net=ALL-UNNAMED",
                "--add-opens",
                "java.management/sun.management=ALL-UNNAMED",
                "-Dbookkeeper.metadata.bookie.drivers="
                        + "org.apache.pulsar.metadata.bookkeeper.PulsarMetadataBookieDriver",
                "-Dbookkeeper.metadata.client.drivers="
                        + "org.apache.pulsar.metadata.bookkeeper.PulsarMetadataClientDriver"));
        // The class path is long (over 300 jars): an argument file keeps the command line short.
        Path argFile = conf.resolve("classpath.args");
        Files.writeString(argFile, "-cp \"" + String.join(java.io.File.pathSeparator, classPath) + "\"\n");
        cmd.add("@" + argFile);
        cmd.addAll(List.of(
                "org.apache.pulsar.PulsarStandaloneStarter",
                "--config",
                conf.resolve("standalone.conf").toString(),
                "--no-functions-worker",
                "--no-stream-storage",
                "--metadata-dir",
                dir.resolve("data/metadata").toString(),
                "--bookkeeper-dir",
                dir.resolve("data/bookkeeper").toString(),
                "--bookkeeper-port",
                Integer.toString(bookiePort)));
        Path log = dir.resolve("broker-" + starts + ".log");
        process = new ProcessBuilder(cmd)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        try {
            // Ready: the admin API answers and the standalone's "public" tenant exists (created after the broker).
            await("Pulsar standalone ready, log " + log)
                    .atMost(START_TIMEOUT)
                    .pollInterval(Duration.ofMillis(250))
                    .until(() -> {
                        if (!process.isAlive()) {
                            throw new IllegalStateException(
                                    "broker exited with " + process.exitValue() + ", see " + log);
                        }
                        return ok("/admin/v2/tenants", "\"public\"");
                    });
        } catch (RuntimeException e) {
            kill();
            throw e;
        }
    }

    private boolean ok(String path, String contains) {
        try {
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(adminUrl().resolve(path))
                            .timeout(Duration.ofSeconds(2))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 && r.body().contains(contains);
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void writeConfig() throws IOException {
        Path conf = Files.createDirectories(dir.resolve("conf"));
        Files.writeString(
                conf.resolve("standalone.conf"),
                String.join(
                        "\n",
                        "# Written by PulsarStandalone (store-pulsar ITs). Also the bookie's base configuration.",
                        "clusterName=standalone",
                        "bindAddress=127.0.0.1",
                        "advertisedAddress=127.0.0.1",
                        "brokerServicePort=" + brokerPort,
                        "webServicePort=" + webPort,
                        "# the bookie: on loopback and on the port given (else BookKeeper picks any port on 0.0.0.0)",
                        "allowEphemeralPorts=true",
                        "listeningInterface=lo",
                        "bookiePort=" + bookiePort,
                        "# sized for a 2-core box",
                        "numIOThreads=2",
                        "numHttpServerThreads=4",
                        "numOrderedExecutorThreads=2",
                        "numExecutorThreadPoolSize=2",
                        "numCacheExecutorThreadPoolSize=1",
                        "managedLedgerNumSchedulerThreads=2",
                        "bookkeeperClientNumWorkerThreads=2",
                        "bookkeeperClientNumIoThreads=2",
                        "managedLedgerCacheSizeMB=16",
                        "managedLedgerDefaultEnsembleSize=1",
                        "managedLedgerDefaultWriteQuorum=1",
                        "managedLedgerDefaultAckQuorum=1",
                        "functionsWorkerEnabled=false",
                        "webSocketServiceEnabled=false",
                        "transactionCoordinatorEnabled=false",
                        "brokerDeleteInactiveTopicsEnabled=false",
                        "allowAutoTopicCreation=true",
                        "allowAutoTopicCreationType=non-partitioned",
                        "loadBalancerEnabled=false",
                        "exposeTopicLevelMetricsInPrometheus=false",
                        "authenticationEnabled=false",
                        "authorizationEnabled=false",
                        "# bookie",
                        "httpServerEnabled=false",
                        "journalSyncData=true",
                        "dbStorage_writeCacheMaxSizeMb=16",
                        "dbStorage_readAheadCacheMaxSizeMb=16",
                        "dbStorage_rocksDB_blockCacheSize=8388608",
                        "journalMaxGroupWaitMSec=1",
                        "numAddWorkerThreads=1",
                        "numReadWorkerThreads=1",
                        "numHighPriorityWorkerThreads=1",
                        "serverNumIOThreads=1",
                        ""));
        Files.writeString(
                conf.resolve("log4j2.xml"),
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                        + "<Configuration status=\"WARN\">\n"
                        + "  <Appenders><Console name=\"Console\" target=\"SYSTEM_OUT\">\n"
                        + "    <PatternLayout pattern=\"%d{HH:mm:ss.SSS} [%t] %-5level %c{1} - %msg%n\"/>\n"
                        + "  </Console></Appenders>\n"
                        + "  <Loggers><Root level=\"info\"><AppenderRef ref=\"Console\"/></Root></Loggers>\n"
                        + "</Configuration>\n");
    }

    private static int freePort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        }
    }
}
