package io.tributary.hub;

import io.tributary.hub.cli.HubMain;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Command lines of child JVMs that the hub's crash tests start (and SIGKILL) on the tests' own class path. */
public final class ChildJvms {
    private ChildJvms() {}

    /**
     * {@code java -Xmx<maxHeap> <quick-start flags> -cp <this class path> main args...}: a small heap, the C1 compiler
     * only and the serial collector, so that a child is up quickly, and no hsperfdata file left by a killed child.
     */
    public static List<String> command(String maxHeap, Class<?> main, String... args) {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + maxHeap,
                "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC",
                "-XX:-UsePerfData",
                "-cp",
                System.getProperty("java.class.path"),
                main.getName()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** {@code ./tributary hub} on {@code data} and {@code port}, without metrics port, in a 96 MiB child JVM. */
    public static List<String> hub(Path data, int port, String hubId) {
        return command(
                "96m",
                HubMain.class,
                "--data-dir",
                data.toString(),
                "--port",
                Integer.toString(port),
                "--metrics-port",
                "-1",
                "--hub-id",
                hubId);
    }
}
