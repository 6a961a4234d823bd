package io.tributary.bench.pipeline;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/** Figures of a Linux process read from {@code /proc}; every method returns -1 where they are unavailable. */
public final class ProcStats {
    private ProcStats() {}

    /** CPU time (user + system) the process has used so far, in seconds, from {@code /proc/<pid>/stat}. */
    public static double cpuSeconds(long pid) {
        return statTicks(pid, 11) / 100.0; // USER_HZ is 100 on Linux
    }

    /**
     * CPU time (user + system) of the process's children that have exited and been waited for, in seconds ({@code
     * cutime + cstime}): what a child program run to its end used.
     */
    public static double exitedChildrenCpuSeconds(long pid) {
        return statTicks(pid, 13) / 100.0;
    }

    /** Fields {@code at} and {@code at + 1} after the command of {@code /proc/<pid>/stat}, summed; -100 if unread. */
    private static long statTicks(long pid, int at) {
        try {
            String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[at]) + Long.parseLong(f[at + 1]);
        } catch (IOException | RuntimeException e) {
            return -100;
        }
    }

    /** Resident memory in bytes ({@code VmRSS} of {@code /proc/<pid>/status}). */
    public static long residentBytes(long pid) {
        return statusKb(pid, "VmRSS:") * 1024;
    }

    /** Anonymous resident memory in bytes ({@code RssAnon}: heap, stacks, native; not mapped files). */
    public static long residentAnonBytes(long pid) {
        return statusKb(pid, "RssAnon:") * 1024;
    }

    /** Threads of the process ({@code Threads} of {@code /proc/<pid>/status}). */
    public static long threads(long pid) {
        return statusKb(pid, "Threads:");
    }

    private static long statusKb(long pid, String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
                if (line.startsWith(key)) {
                    return Long.parseLong(line.replaceAll("\\D", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** The soft limit of open files ({@code Max open files} of {@code /proc/<pid>/limits}); MAX_VALUE if unlimited. */
    public static long openFileLimit(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "limits"))) {
                if (line.startsWith("Max open files")) {
                    String soft =
                            line.substring("Max open files".length()).trim().split("\\s+")[0];
                    return soft.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(soft);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** Open file descriptors of the process. */
    public static long openFiles(long pid) {
        try (var fds = Files.list(Path.of("/proc", String.valueOf(pid), "fd"))) {
            return fds.count();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * Open descriptors of {@code pid} whose target is a file under {@code dir} (a store's segment and index files), -1
     * when /proc cannot be read. Descriptors closed while they are listed are skipped.
     */
    public static long openFilesUnder(long pid, Path dir) {
        Path real;
        try {
            real = dir.toRealPath();
        } catch (IOException e) {
            return -1;
        }
        try (var fds = Files.list(Path.of("/proc", String.valueOf(pid), "fd"))) {
            return fds.filter(fd -> {
                        try {
                            return Files.readSymbolicLink(fd).startsWith(real);
                        } catch (IOException | RuntimeException closedMeanwhile) {
                            return false;
                        }
                    })
                    .count();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    public static double loadAverage() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    public static double mb(long bytes) {
        return bytes < 0 ? Double.NaN : bytes / (1024.0 * 1024.0);
    }

    /** CPU-seconds per million records; NaN when there were none or the CPU time is unknown. */
    public static double perMillion(double cpuSeconds, long records) {
        return records <= 0 || cpuSeconds < 0 ? Double.NaN : cpuSeconds / records * 1e6;
    }
}
