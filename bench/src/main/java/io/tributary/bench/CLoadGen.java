package io.tributary.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The independent C load generator ({@code mqtt_loadgen.c} from the shared tools, compiled with gcc), run as a child
 * process on the load CPU. It reports its own {@code RESULT} and {@code TOTAL} lines, which are parsed here; it cannot
 * be stopped early ({@code stop} is ignored). Immutable; runs are sequential.
 */
final class CLoadGen implements LoadGenerator {
    static final String SOURCE_NAME = "mqtt_loadgen.c";

    private final Path binary;
    private final List<String> prefix;
    private final Path log;

    CLoadGen(Path binary, List<String> prefix, Path log) {
        this.binary = binary;
        this.prefix = List.copyOf(prefix);
        this.log = log;
    }

    @Override
    public String name() {
        return "c";
    }

    /** The repository root (the directory with {@code mvnw} above this code's jar or classes), or null. */
    static Path repositoryRoot() {
        try {
            Path p = Path.of(CLoadGen.class
                            .getProtectionDomain()
                            .getCodeSource()
                            .getLocation()
                            .toURI())
                    .toAbsolutePath();
            for (; p != null; p = p.getParent()) {
                if (Files.exists(p.resolve("mvnw")) && Files.isDirectory(p.resolve("device-simulator"))) {
                    return p;
                }
            }
        } catch (URISyntaxException | RuntimeException e) {
            return null;
        }
        return null;
    }

    /** {@code explicit} if given, else {@code ../shared/tools} or {@code ../../shared/tools} of the root; or null. */
    static Path findSource(Path explicit, Path root) {
        if (explicit != null) {
            return Files.isRegularFile(explicit) ? explicit : null;
        }
        List<Path> candidates = new ArrayList<>();
        for (Path base : new Path[] {root, Path.of("").toAbsolutePath()}) {
            if (base != null) {
                candidates.add(base.resolve("../shared/tools").resolve(SOURCE_NAME));
                candidates.add(base.resolve("../../shared/tools").resolve(SOURCE_NAME));
            }
        }
        return candidates.stream()
                .filter(Files::isRegularFile)
                .map(Path::normalize)
                .findFirst()
                .orElse(null);
    }

    /**
     * Compiles {@code source} with {@code gcc -O2} into {@code outDir/mqtt_loadgen} unless an up-to-date binary is
     * there; returns the binary.
     *
     * @throws IOException when gcc is missing or fails
     */
    static Path compile(Path source, Path outDir) throws IOException, InterruptedException {
        Path bin = outDir.resolve("mqtt_loadgen");
        if (Files.isExecutable(bin)
                && Files.getLastModifiedTime(bin).compareTo(Files.getLastModifiedTime(source)) >= 0) {
            return bin;
        }
        if (!Pinning.onPath("gcc")) {
            throw new IOException("gcc is not on PATH");
        }
        Files.createDirectories(outDir);
        Path tmp = outDir.resolve("mqtt_loadgen." + ProcessHandle.current().pid() + ".tmp");
        Process gcc = new ProcessBuilder("gcc", "-O2", "-o", tmp.toString(), source.toString())
                .redirectErrorStream(true)
                .start();
        String out = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!gcc.waitFor(120, TimeUnit.SECONDS) || gcc.exitValue() != 0) {
            gcc.destroyForcibly();
            throw new IOException("gcc failed on " + source + ": " + out.strip());
        }
        Files.move(tmp, bin, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return bin;
    }

    /**
     * What the generator publishes: {@code qos} 0 or 1, topics from {@code topicFormat} ({@code LG_TOPIC}: a printf
     * format with two {@code %d}, the connection modulo {@code groups} and the connection), and, with {@code
     * tagSequences} ({@code LG_SEQ}), payloads that start with {@code c<connection>:<sequence>;}.
     */
    record Topics(int qos, String topicFormat, int groups, boolean tagSequences) {
        /** What {@code bench edge} publishes: QoS 1 telemetry to {@code tributary/g<conn % 4>/d<conn>/temp}. */
        static final Topics TELEMETRY = new Topics(1, "tributary/g%d/d%d/temp", 4, false);
    }

    /**
     * A run's figures and, with tagged sequences at QoS 1, the publishes acknowledged per connection (its sequences
     * {@code 0..n-1}, since PUBACKs come in order); empty otherwise.
     */
    record Output(LoadResult result, long[] ackedPerConnection) {}

    @Override
    public LoadResult run(Spec spec, BooleanSupplier stop) throws IOException, InterruptedException {
        return run(spec, Topics.TELEMETRY).result();
    }

    /** One run publishing {@code topics}; blocks until the generator has exited (bounded). */
    Output run(Spec spec, Topics topics) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(List.of(
                binary.toString(),
                String.valueOf(spec.port()),
                String.valueOf(spec.conns()),
                String.valueOf(topics.qos()),
                String.valueOf(spec.payloadBytes()),
                num(spec.durationSeconds()),
                String.valueOf(spec.window()),
                String.format(Locale.ROOT, "%.0f", spec.rate()),
                num(spec.warmupSeconds())));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().put("LG_TOPIC", topics.topicFormat());
        pb.environment().put("LG_GROUPS", String.valueOf(topics.groups()));
        if (topics.tagSequences()) {
            pb.environment().put("LG_SEQ", "1");
        }
        Process p = pb.start();
        List<String> lines = java.util.Collections.synchronizedList(new ArrayList<>());
        Thread reader = new Thread(
                () -> {
                    try (BufferedReader out =
                            new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                        String line;
                        while ((line = out.readLine()) != null) {
                            lines.add(line);
                        }
                    } catch (IOException e) {
                        // the process was killed
                    }
                },
                "c-loadgen-output");
        reader.setDaemon(true);
        reader.start();
        // The generator stops itself 15 s after its run at the latest; this bound covers a broker that never answers.
        if (!p.waitFor(spec.boundSeconds(), TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        reader.join(TimeUnit.SECONDS.toMillis(10));
        String result = null;
        String total = null;
        synchronized (lines) {
            for (String line : lines) {
                if (line.startsWith("RESULT")) {
                    result = line;
                } else if (line.startsWith("TOTAL")) {
                    total = line;
                }
            }
            Files.write(log, lines, StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
        }
        if (result == null || total == null) {
            throw new IOException("the C load generator printed no RESULT (exit "
                    + (p.isAlive() ? "none" : p.exitValue()) + "); see " + log);
        }
        long[] acked;
        synchronized (lines) {
            acked = topics.tagSequences() ? ackedPerConnection(lines, spec.conns()) : new long[0];
        }
        return new Output(parse(result, total, spec.rate(), spec.durationSeconds()), acked);
    }

    /** The {@code ACKED c=<connection> n=<count>} lines of a tagged run, as counts per connection (0 if absent). */
    static long[] ackedPerConnection(List<String> lines, int conns) {
        long[] acked = new long[conns];
        for (String line : lines) {
            if (line.startsWith("ACKED")) {
                double c = value(line, "c");
                if (c >= 0 && c < conns) {
                    acked[(int) c] = (long) value(line, "n");
                }
            }
        }
        return acked;
    }

    /** Parses the generator's {@code RESULT qos=1 ...} and {@code TOTAL ...} lines. */
    static LoadResult parse(String result, String total, double rate, double seconds) {
        long sent = (long) value(total, "sent");
        long acked = (long) value(total, "acked");
        return new LoadResult(
                "c",
                rate,
                seconds,
                (long) value(result, "acked"),
                value(result, "throughput"),
                value(result, "p50"),
                value(result, "p99"),
                value(result, "p99\\.9"),
                value(result, "max"),
                sent,
                acked,
                (int) value(total, "dead_conns"),
                (long) value(result, "unacked_at_end"));
    }

    private static double value(String line, String key) {
        Matcher m = Pattern.compile("(?:^|\\s)" + key + "=([0-9.]+)").matcher(line);
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }

    private static String num(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }
}
