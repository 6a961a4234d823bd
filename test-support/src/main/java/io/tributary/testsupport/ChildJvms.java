package io.tributary.testsupport;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Command lines of child JVMs on this process's class path: the crash tests start (and SIGKILL) hubs, edge agents and
 * writers this way, the benchmarks and the demo their hub and edge agent.
 */
public final class ChildJvms {
    private ChildJvms() {}

    /** The {@code java} executable of the running JVM. */
    public static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** {@code java <jvmOptions> -cp <this class path> mainClass args...}. */
    public static List<String> command(List<String> jvmOptions, String mainClass, List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(java());
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass);
        cmd.addAll(args);
        return cmd;
    }

    /**
     * {@code java -Xmx<maxHeap> <quick-start flags> -cp <this class path> main args...}: a small heap, the C1 compiler
     * only and the serial collector, so that a child is up quickly, and no hsperfdata file left by a killed child.
     */
    public static List<String> command(String maxHeap, Class<?> main, String... args) {
        return command(
                List.of("-Xmx" + maxHeap, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:-UsePerfData"),
                main.getName(),
                List.of(args));
    }

    /** SIGTERM, then SIGKILL if {@code process} has not exited in 10 s; waits (at most 5 s more) for it to go. */
    public static void stop(Process process) {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
