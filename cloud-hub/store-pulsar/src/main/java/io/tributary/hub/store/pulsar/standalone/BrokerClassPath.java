package io.tributary.hub.store.pulsar.standalone;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The class path of a Pulsar standalone broker, resolved by Maven from {@code cloud-hub/store-pulsar/pulsar-broker/
 * pom.xml} ({@code dependency:build-classpath}, about 250 MB from Maven Central the first time, then from {@code
 * ~/.m2}). The broker needs Netty 4.1 and Tributary uses 4.2, so the broker only ever runs in a JVM of its own on this
 * class path. The result is cached in {@code workDir/broker.classpath} and resolved again when the pom is newer or an
 * entry has gone from the local repository.
 *
 * <p>Not thread-safe: two resolutions into one work directory at once may both run Maven (the last one wins).
 */
public final class BrokerClassPath {
    private static final Duration RESOLVE_TIMEOUT = Duration.ofMinutes(10);

    private BrokerClassPath() {}

    /**
     * Resolves (once; the cached list is reused) the broker's class path.
     *
     * @param pom the broker's pom
     * @param mavenWrapper the project's {@code mvnw}
     * @param workDir where the list and Maven's log are kept
     * @throws IOException when Maven fails (offline on the first use, for example; its log is named in the message)
     */
    public static List<String> resolve(Path pom, Path mavenWrapper, Path workDir) throws IOException {
        if (!Files.exists(pom)) {
            throw new IOException("the Pulsar broker's pom is missing: " + pom);
        }
        Files.createDirectories(workDir);
        Path file = workDir.resolve("broker.classpath");
        if (!Files.exists(file) || Files.getLastModifiedTime(file).compareTo(Files.getLastModifiedTime(pom)) < 0) {
            runMaven(pom, mavenWrapper, workDir, file);
        }
        List<String> entries = List.of(Files.readString(file).trim().split(File.pathSeparator));
        for (String e : entries) {
            if (!Files.exists(Path.of(e))) {
                Files.delete(file); // ~/.m2 changed under the cached list: resolve again next time
                throw new IOException("class path entry missing: " + e + " (run again to resolve it anew)");
            }
        }
        return entries;
    }

    private static void runMaven(Path pom, Path mavenWrapper, Path workDir, Path file) throws IOException {
        Path log = workDir.resolve("resolve.log");
        Path partial = workDir.resolve("broker.classpath.partial");
        Process p = new ProcessBuilder(
                        mavenWrapper.toAbsolutePath().toString(),
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
                throw new IOException("resolving the Pulsar broker's class path took over " + RESOLVE_TIMEOUT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException("interrupted while resolving the Pulsar broker's class path", e);
        }
        if (p.exitValue() != 0 || !Files.exists(partial)) {
            throw new IOException("mvnw dependency:build-classpath failed (exit " + p.exitValue() + "), see " + log);
        }
        Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING);
    }
}
