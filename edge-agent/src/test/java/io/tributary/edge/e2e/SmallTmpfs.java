package io.tributary.edge.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A size-limited tmpfs mounted for each test, for real disk-full tests: {@code @RegisterExtension final SmallTmpfs
 * small = new SmallTmpfs("16m");}. Where it cannot mount (not root, no mount(8), a container without the capability)
 * the test is skipped with the reason; it is unmounted after each test. Test thread only.
 */
final class SmallTmpfs implements BeforeEachCallback, AfterEachCallback {
    private final String size;
    private Path dir;
    private boolean mounted;

    /** @param size mount(8) syntax, e.g. {@code 16m} */
    SmallTmpfs(String size) {
        this.size = size;
    }

    /** The mount point. */
    Path dir() {
        return dir;
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        dir = Files.createTempDirectory("tributary-tmpfs");
        Run mount = run("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", dir.toString());
        mounted = mount.exit == 0;
        Assumptions.assumeTrue(
                mounted,
                "cannot mount a " + size + " tmpfs (needs root and mount(8)), so the real disk-full case is skipped: "
                        + mount.output);
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        if (mounted) {
            mounted = false;
            Run umount = run("umount", dir.toString());
            if (umount.exit != 0) {
                run("umount", "-l", dir.toString()); // something still holds a file open: detach, then fail
                throw new AssertionError("umount " + dir + " failed: " + umount.output);
            }
        }
        Files.deleteIfExists(dir);
    }

    private record Run(int exit, String output) {}

    private static Run run(String... command) throws InterruptedException {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            return new Run(p.waitFor(30, TimeUnit.SECONDS) ? p.exitValue() : -1, output);
        } catch (IOException e) {
            return new Run(-1, e.getMessage());
        }
    }
}
