package io.tributary.hub;

import io.tributary.hub.cli.AdminMain;
import io.tributary.protocol.cli.Cli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One run of {@code ./tributary admin} in this JVM, its stdout and stderr captured (swaps {@code System.out} and
 * {@code System.err} meanwhile: not for tests that run concurrently).
 *
 * @param code the exit code
 * @param out stdout's lines
 * @param err stderr
 */
public record AdminCliRun(int code, List<String> out, String err) {

    /** Runs {@code admin} with {@code args}, e.g. {@code --hub 127.0.0.1:7400 streams describe s}. */
    public static AdminCliRun of(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        PrintStream stderr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = Cli.execute("admin", new AdminMain(), args);
        } finally {
            System.setOut(stdout);
            System.setErr(stderr);
        }
        return new AdminCliRun(
                code, out.toString(StandardCharsets.UTF_8).lines().toList(), err.toString(StandardCharsets.UTF_8));
    }
}
