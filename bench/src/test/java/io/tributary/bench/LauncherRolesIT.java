package io.tributary.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.bench.demo.DemoMain;
import io.tributary.edge.EdgeMain;
import io.tributary.hub.cli.AdminMain;
import io.tributary.hub.cli.ConsumeMain;
import io.tributary.hub.cli.HubMain;
import io.tributary.hub.cli.ProduceMain;
import io.tributary.protocol.cli.Cli;
import io.tributary.sim.cli.SimMain;
import io.tributary.testsupport.ChildJvms;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every launcher role behaves as one product, run as {@code ./tributary ROLE} runs it (a child JVM, so exit codes and
 * shutdown hooks are the real ones): {@code -V} prints the build's version; a usage error is one line on stderr and
 * exit code 2; help needs no hub and shows defaults; nothing that does not run a pipeline waits for one.
 */
class LauncherRolesIT {
    /** A child JVM starts in well under this; the demo's old shutdown hook alone waited 15 s. */
    private static final Duration PROMPTLY = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    static Stream<Arguments> roles() {
        return Stream.of(
                Arguments.of("hub", HubMain.class),
                Arguments.of("admin", AdminMain.class),
                Arguments.of("produce", ProduceMain.class),
                Arguments.of("consume", ConsumeMain.class),
                Arguments.of("edge", EdgeMain.class),
                Arguments.of("passwd", io.tributary.edge.mqtt.auth.PasswdMain.class),
                Arguments.of("sim", SimMain.class),
                Arguments.of("demo", DemoMain.class),
                Arguments.of("bench", BenchMain.class));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("roles")
    void version_everyRole_printsTheBuildVersionAndExits0(String role, Class<?> main) throws Exception {
        Run run = run(main, "--version");

        assertThat(run.code).as("stderr %s", run.err).isZero();
        assertThat(Cli.version()).as("the version resource is filtered").matches("\\d+\\.\\d+\\.\\d+.*");
        assertThat(run.out).containsExactly("tributary " + role + " " + Cli.version());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("roles")
    void unknownFlag_everyRole_oneLineOnStderrExit2(String role, Class<?> main) throws Exception {
        Run run = run(main, "--no-such-flag");

        assertThat(run.code).as("stderr %s", run.err).isEqualTo(2);
        assertThat(run.err).hasSize(1);
        // the first problem picocli finds: the unknown flag, or a required option missing (produce, consume)
        assertThat(run.err.get(0))
                .startsWith("tributary " + role + ": ")
                .endsWith("(see ./tributary " + role + " --help)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"localhost", "127.0.0.1:port", ","})
    void malformedHub_adminProduceConsume_oneLineOnStderrExit2(String hub) throws Exception {
        List<Run> runs = List.of(
                run(AdminMain.class, "--hub", hub, "streams", "list"),
                run(ProduceMain.class, "--hub", hub, "--stream", "s", "--key", "k"),
                run(ConsumeMain.class, "--hub", hub, "--stream", "s"));

        for (Run run : runs) {
            assertThat(run.code).as("stderr %s", run.err).isEqualTo(2);
            assertThat(run.err).as("stderr").hasSize(1);
            assertThat(run.err.get(0))
                    .contains("--hub")
                    .doesNotContain("Exception")
                    .doesNotContain("\tat ");
        }
    }

    @Test
    void adminStreamsHelp_withoutHub_printsHelp() throws Exception {
        Run run = run(AdminMain.class, "streams", "--help");

        assertThat(run.code).as("stderr %s", run.err).isZero();
        assertThat(run.out).anySatisfy(l -> assertThat(l).contains("Usage: admin streams"));
        assertThat(run.err).isEmpty();
    }

    @Test
    void adminCommandWithoutHub_saysHubIsMissing_exit2() throws Exception {
        Run run = run(AdminMain.class, "streams", "list");

        assertThat(run.code).isEqualTo(2);
        assertThat(run.err).singleElement().asString().contains("Missing required option: '--hub'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"--help", "--version", "--bogus"})
    void demo_helpVersionOrBadFlag_returnsPromptly(String arg) throws Exception {
        Run run = run(DemoMain.class, arg);

        assertThat(run.code).as("stderr %s", run.err).isEqualTo(arg.equals("--bogus") ? 2 : 0);
    }

    @Test
    void help_showsDefaults() throws Exception {
        assertThat(String.join(" ", run(ProduceMain.class, "--help").out).replaceAll("\\s+", " "))
                .contains("(default 2m)")
                .contains("Partition key of every record (required)");
        assertThat(String.join(" ", run(EdgeMain.class, "--help").out).replaceAll("\\s+", " "))
                .contains("default 1883, on 127.0.0.1")
                .contains("default telemetry")
                .contains("default 127.0.0.1:7400");
    }

    private record Run(int code, List<String> out, List<String> err) {}

    /** Runs {@code main} in a child JVM; it must exit within {@link #PROMPTLY} (else it is killed and this fails). */
    private Run run(Class<?> main, String... args) throws Exception {
        Path out = Files.createTempFile(dir, "stdout", ".txt");
        Path err = Files.createTempFile(dir, "stderr", ".txt");
        Process p = new ProcessBuilder(ChildJvms.command("128m", main, args))
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        boolean exited = p.waitFor(PROMPTLY.toMillis(), TimeUnit.MILLISECONDS);
        if (!exited) {
            p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
        List<String> stderr = Files.readAllLines(err);
        assertThat(exited)
                .as("%s %s exits within %s; stderr: %s", main.getSimpleName(), List.of(args), PROMPTLY, stderr)
                .isTrue();
        return new Run(p.exitValue(), Files.readAllLines(out), stderr);
    }
}
