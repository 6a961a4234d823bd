package io.tributary.hub.store.pulsar.standalone;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A Pulsar standalone broker in a child JVM, for trying Tributary on Pulsar and for the tests: one broker with one
 * in-process bookie, metadata in RocksDB (no ZooKeeper), no functions worker, no stream storage, the bookie's journal
 * fsync'd before an entry is acknowledged ({@code journalSyncData=true}), everything on loopback.
 *
 * <p>Layout under the directory given: {@code conf/standalone.conf} and {@code conf/log4j2.xml} (written at every
 * start, so the ports given win), {@code data/metadata} and {@code data/bookkeeper} (kept across starts: a restart
 * on the same directory finds its topics), {@code broker-N.log} (the N-th start's output).
 *
 * <p>Not thread-safe: one thread drives it.
 */
public final class StandaloneBroker implements AutoCloseable {
    /**
     * How the broker is started. {@code heap} is a JVM size such as {@code 256m}. {@code ledgerMaxEntries}, when
     * positive, rolls a topic's ledger over after that many entries at any age ({@code
     * managedLedgerMaxEntriesPerLedger}, and {@code managedLedgerMinLedgerRolloverTimeMinutes=0}), so that retention
     * can delete trimmed messages within seconds in tests; 0 keeps Pulsar's defaults (50,000 entries, at least 10
     * minutes). {@code clusterName} is the Pulsar cluster the broker forms ({@link #DEFAULT_CLUSTER} unless two
     * standalones are joined for geo-replication, which needs distinct names); it is fixed at the first start on a
     * data directory (the standalone registers it, its tenant {@code public} and namespace {@code public/default}).
     */
    public record Settings(
            int brokerPort, int webPort, int bookiePort, String heap, int ledgerMaxEntries, String clusterName) {
        /** With Pulsar's ledger rollover defaults and the cluster {@value #DEFAULT_CLUSTER}. */
        public Settings(int brokerPort, int webPort, int bookiePort, String heap) {
            this(brokerPort, webPort, bookiePort, heap, 0, DEFAULT_CLUSTER);
        }

        public Settings {
            if (!CLUSTER_NAME.matcher(clusterName).matches()) {
                throw new IllegalArgumentException(
                        "the cluster name must match " + CLUSTER_NAME.pattern() + ", not '" + clusterName + "'");
            }
        }

        /** The same settings for the cluster {@code name}. */
        public Settings withCluster(String name) {
            return new Settings(brokerPort, webPort, bookiePort, heap, ledgerMaxEntries, name);
        }
    }

    /** The cluster name of a standalone started without one (Pulsar's own default). */
    public static final String DEFAULT_CLUSTER = "standalone";

    /**
     * Cluster names this launcher accepts: a conservative subset of Pulsar's (which also allows {@code = : .}), as
     * they appear in URLs, topic stats and replicator names.
     */
    public static final java.util.regex.Pattern CLUSTER_NAME = java.util.regex.Pattern.compile("[A-Za-z0-9_-]{1,64}");

    private final Path dir;
    private final List<String> classPath;
    private final Settings settings;
    private final HttpClient http = HttpClient.newHttpClient();
    private Process process;
    private int starts;
    private Path log;

    public StandaloneBroker(Path dir, List<String> classPath, Settings settings) {
        this.dir = dir;
        this.classPath = List.copyOf(classPath);
        this.settings = settings;
    }

    public String serviceUrl() {
        return "pulsar://127.0.0.1:" + settings.brokerPort();
    }

    public URI adminUrl() {
        return URI.create("http://127.0.0.1:" + settings.webPort());
    }

    /** The Pulsar cluster this broker forms. */
    public String clusterName() {
        return settings.clusterName();
    }

    /** The current (or last) start's output. */
    public Path log() {
        return log;
    }

    public Process process() {
        return process;
    }

    /**
     * Starts the broker and waits until its admin API answers and the standalone's {@code public} tenant exists.
     *
     * @throws IOException when the process cannot start, exits, or is not ready within {@code timeout} (it is killed)
     */
    public void start(Duration timeout) throws IOException {
        starts++;
        Path conf = Files.createDirectories(dir.resolve("conf"));
        Files.createDirectories(dir.resolve("data"));
        StandaloneConfig.write(conf, settings);
        log = dir.resolve("broker-" + starts + ".log");
        process = new ProcessBuilder(command(conf))
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!ready()) {
            if (!process.isAlive()) {
                throw new IOException("the Pulsar broker exited with " + process.exitValue() + ", see " + log);
            }
            if (System.nanoTime() > deadline) {
                kill();
                throw new IOException("the Pulsar broker was not ready within " + timeout + ", see " + log);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(250));
        }
    }

    /** SIGKILL; waits until the process is gone. */
    public void kill() {
        stop(Duration.ZERO);
    }

    /**
     * Asks the broker to stop (SIGTERM) and waits up to {@code grace} for it, then kills it (SIGKILL). Returns its
     * exit code, or -1 when it was not running.
     */
    public int stop(Duration grace) {
        if (process == null || !process.isAlive()) {
            return process == null ? -1 : process.exitValue();
        }
        try {
            if (!grace.isZero()) {
                process.destroy();
                if (process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                    return process.exitValue();
                }
            }
            process.destroyForcibly();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("broker " + process.pid() + " survived SIGKILL for 30 s");
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            return -1;
        }
    }

    @Override
    public void close() {
        kill();
    }

    private List<String> command(Path conf) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // Lean flags for a 2-core box: about 3 s to start and 250-350 MiB resident with a 128 MB heap.
        cmd.addAll(List.of(
                "-Xms32m",
                "-Xmx" + settings.heap(),
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
        Files.writeString(argFile, "-cp \"" + String.join(File.pathSeparator, classPath) + "\"\n");
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
                Integer.toString(settings.bookiePort())));
        return cmd;
    }

    private boolean ready() {
        try {
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(adminUrl().resolve("/admin/v2/tenants"))
                            .timeout(Duration.ofSeconds(2))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            // The standalone creates the "public" tenant after the broker is up.
            return r.statusCode() == 200 && r.body().contains("\"public\"");
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
