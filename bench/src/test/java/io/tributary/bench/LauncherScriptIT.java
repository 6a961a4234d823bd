package io.tributary.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.tributary.protocol.cli.Cli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The {@code ./tributary} script itself: its role table is well formed (a {@code |} in a description once made
 * {@code ./tributary admin} try to build modules named after admin's subcommands), and every role it lists starts
 * from the module jars it names. {@link LauncherRolesIT} covers each role's behaviour through its main class.
 */
class LauncherScriptIT {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern ENTRY = Pattern.compile("^\\s+\"([^\"]*)\"$");

    record Role(String name, String module, String mainClass, List<String> moreModules) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Role> roles() throws IOException {
        List<String> lines = Files.readAllLines(ROOT.resolve("tributary"));
        int start = lines.indexOf("ROLES=(");
        assertThat(start).as("ROLES=( in the script").isNotNegative();
        List<Role> roles = new ArrayList<>();
        for (String line : lines.subList(start + 1, lines.size())) {
            if (line.equals(")")) {
                return roles;
            }
            Matcher m = ENTRY.matcher(line);
            assertThat(m.matches()).as("a quoted role entry: %s", line).isTrue();
            String[] f = m.group(1).split("\\|", -1);
            assertThat(f.length)
                    .as("role|module|main class|description[|more modules] (no '|' in a description): %s", line)
                    .isBetween(4, 5);
            roles.add(new Role(f[0], f[1], f[2], f.length == 5 ? List.of(f[4].split(",")) : List.of()));
        }
        throw new AssertionError("ROLES=( is not closed");
    }

    @Test
    void roleTable_namesModulesAndMainClassesThatExist() throws IOException {
        List<Role> roles = roles();
        assertThat(roles).extracting(Role::name).contains("hub", "admin", "edge", "demo", "pulsar-standalone");
        for (Role r : roles) {
            for (String module : Stream.concat(Stream.of(r.module()), r.moreModules().stream())
                    .toList()) {
                assertThat(ROOT.resolve(module).resolve("pom.xml"))
                        .as("module of %s", r)
                        .exists();
            }
            Path source = Stream.concat(Stream.of(r.module()), r.moreModules().stream())
                    .map(m -> ROOT.resolve(m)
                            .resolve("src/main/java/" + r.mainClass().replace('.', '/') + ".java"))
                    .filter(Files::exists)
                    .findFirst()
                    .orElse(null);
            assertThat(source)
                    .as("main class %s of %s in its modules", r.mainClass(), r)
                    .isNotNull();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("roles")
    void everyRole_runsThroughTheScript(Role role) throws Exception {
        for (String module : Stream.concat(Stream.of(role.module()), role.moreModules().stream())
                .toList()) {
            // The script builds missing jars itself; a test must not start a Maven build inside this one.
            assumeTrue(
                    Files.isDirectory(ROOT.resolve(module).resolve("target/lib")),
                    module + " is not packaged in this build (run the whole reactor)");
        }
        Process p = new ProcessBuilder(ROOT.resolve("tributary").toString(), role.name(), "--version")
                .redirectErrorStream(true)
                .start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("%s exits", role).isTrue();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        assertThat(p.exitValue())
                .as("exit of ./tributary %s --version: %s", role, out)
                .isZero();
        assertThat(out).isEqualTo("tributary " + role.name() + " " + Cli.version());
    }

    @Test
    void edgeJvmDefaults_comeFromItsOptionsFile_andACollectorInTributaryOptsReplacesTheirs() throws Exception {
        assumeTrue(
                Files.isDirectory(ROOT.resolve("edge-agent/target/lib")), "edge-agent is not packaged in this build");
        List<String> defaults = LauncherJvmDefaults.read("edge"); // the file, as the benchmarks read it
        assertThat(defaults).contains("-XX:+UseSerialGC");

        String flags = finalFlags("edge", "");
        for (String option : defaults) {
            String name = option.startsWith("-Xms") ? "-XX:InitialHeapSize=" : option;
            assertThat(flags).as("%s in the edge's flags", option).contains(name);
        }
        assertThat(finalFlags("edge", "-XX:+UseParallelGC"))
                .contains("-XX:+UseParallelGC")
                .doesNotContain("-XX:+UseSerialGC");
        assertThat(finalFlags("admin", "")).doesNotContain("-XX:MaxHeapFreeRatio=30"); // no options file
    }

    /** The JVM's command-line flags (-XX:+PrintCommandLineFlags) of {@code ./tributary ROLE --version}. */
    private static String finalFlags(String role, String opts) throws Exception {
        ProcessBuilder pb =
                new ProcessBuilder(ROOT.resolve("tributary").toString(), role, "--version").redirectErrorStream(true);
        pb.environment().put("TRIBUTARY_OPTS", "-XX:+PrintCommandLineFlags " + opts);
        Process p = pb.start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS))
                .as("./tributary %s exits", role)
                .isTrue();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.exitValue())
                .as("exit of ./tributary %s --version: %s", role, out)
                .isZero();
        return out.lines().findFirst().orElse("");
    }
}
