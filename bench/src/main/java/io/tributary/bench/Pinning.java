package io.tributary.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * CPU pinning with {@code taskset}, as {@code deploy/bench/edge-vs-mosquitto.sh} does: the broker under test on one
 * CPU, the load and the hub on another. Off when disabled, when {@code taskset} is missing or with fewer than 2 CPUs.
 *
 * @param enabled whether processes are pinned
 * @param brokerCpu the CPU of the edge agent (and of Mosquitto)
 * @param loadCpu the CPU of the load generators, the hub and this JVM
 */
record Pinning(boolean enabled, int brokerCpu, int loadCpu) {

    static Pinning detect(boolean wanted) {
        boolean ok = wanted && Runtime.getRuntime().availableProcessors() >= 2 && onPath("taskset");
        return new Pinning(ok, 0, 1);
    }

    /** The command prefix that runs a program on the broker's CPU (empty when not pinning). */
    List<String> broker() {
        return prefix(brokerCpu);
    }

    /** The command prefix that runs a program on the load CPU (empty when not pinning). */
    List<String> load() {
        return prefix(loadCpu);
    }

    private List<String> prefix(int cpu) {
        return enabled ? List.of("taskset", "-c", String.valueOf(cpu)) : List.of();
    }

    /** Pins every thread of this JVM to the load CPU (threads started later inherit it); false if that failed. */
    boolean pinSelf() {
        if (!enabled) {
            return false;
        }
        try {
            Process p = new ProcessBuilder(
                            "taskset",
                            "-a",
                            "-p",
                            "-c",
                            String.valueOf(loadCpu),
                            String.valueOf(ProcessHandle.current().pid()))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    static boolean onPath(String program) {
        return which(program) != null;
    }

    /** The executable {@code program} on PATH, or null. */
    static Path which(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, program);
            if (Files.isExecutable(candidate) && !Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        return null;
    }
}
