package io.tributary.protocol.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * What every launcher role ({@code ./tributary ROLE}) shares, so they behave as one product: {@code -V/--version}
 * on every command and subcommand (one version, the Maven project version), every default shown in {@code --help},
 * and
 * errors as one line on stderr: exit code 2 for a usage error (unknown flag, missing or malformed value), 1 for a
 * command that failed. Set {@code TRIBUTARY_DEBUG=1} to get the stack trace of an unexpected failure as well.
 *
 * <p>Picocli is an optional dependency of this module: only the CLI modules, which declare it, use this class.
 */
public final class Cli {
    private static final String VERSION = loadVersion();

    private Cli() {}

    /** The Tributary version (the Maven project version the jars were built from). */
    public static String version() {
        return VERSION;
    }

    /** A command line for {@code command} (annotated with picocli) with the shared behaviour; {@code role} names it. */
    public static CommandLine commandLine(String role, Object command) {
        CommandLine cl = new CommandLine(command);
        configure(cl, role);
        return cl;
    }

    /** Parses {@code args} and runs the command; returns the exit code (the caller exits with it). */
    public static int execute(String role, Object command, String... args) {
        return commandLine(role, command).execute(args);
    }

    /** Applies the shared behaviour to {@code cl} and every subcommand. */
    public static void configure(CommandLine cl, String role) {
        configureSpecs(cl);
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine failed = ex.getCommandLine();
            PrintWriter err = failed.getErr();
            String name = failed.getCommandSpec().qualifiedName(" ");
            err.println(
                    "tributary " + role + ": " + oneLine(ex.getMessage()) + " (see ./tributary " + name + " --help)");
            err.flush();
            return 2;
        });
        cl.setExecutionExceptionHandler((ex, failed, parseResult) -> {
            PrintWriter err = failed.getErr();
            if (ex instanceof IllegalArgumentException) {
                // A value that parsed as text but means nothing (a duration, a size, an address): a usage error.
                err.println("tributary " + role + ": " + oneLine(ex.getMessage()));
                err.flush();
                return 2;
            }
            err.println("tributary " + role + ": failed: " + oneLine(describe(ex)));
            if ("1".equals(System.getenv("TRIBUTARY_DEBUG"))) {
                ex.printStackTrace(err);
            }
            err.flush();
            return 1;
        });
    }

    private static void configureSpecs(CommandLine cl) {
        CommandSpec spec = cl.getCommandSpec();
        spec.mixinStandardHelpOptions(true);
        String name = spec.qualifiedName(" ");
        spec.versionProvider(() -> new String[] {"tributary " + name + " " + VERSION});
        showDefaults(spec);
        for (CommandLine sub : cl.getSubcommands().values()) {
            configureSpecs(sub);
        }
    }

    /**
     * Every option with a default says it in --help: an option whose description does not mention its default gets
     * picocli's "Default: X" line (options are re-added in their order, so the help keeps its layout). Not for a false
     * flag or an empty list, which say nothing.
     */
    private static void showDefaults(CommandSpec spec) {
        List<OptionSpec> options = List.copyOf(spec.options());
        if (options.stream().noneMatch(Cli::lacksDefaultInHelp)) {
            return;
        }
        options.forEach(spec::remove);
        for (OptionSpec o : options) {
            spec.addOption(
                    lacksDefaultInHelp(o)
                            ? o.toBuilder()
                                    .showDefaultValue(CommandLine.Help.Visibility.ALWAYS)
                                    .build()
                            : o);
        }
    }

    private static boolean lacksDefaultInHelp(OptionSpec o) {
        if (o.usageHelp() || o.versionHelp()) {
            return false;
        }
        String value = o.defaultValueString();
        if (value == null || value.equals("null") || value.equals("[]") || value.equals("false")) {
            return false;
        }
        return !String.join(" ", o.description()).toLowerCase(Locale.ROOT).contains("default");
    }

    private static String describe(Throwable e) {
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
    }

    private static String oneLine(String message) {
        return message == null ? "" : message.strip().replaceAll("\\s*\\R\\s*", "; ");
    }

    private static String loadVersion() {
        try (InputStream in = Cli.class.getResourceAsStream("version.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
