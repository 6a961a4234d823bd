package io.tributary.edge.mqtt.auth;

import io.tributary.protocol.cli.Cli;
import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./tributary passwd --user NAME}: reads a password (from the terminal without echo, asked twice; else the first
 * line of standard input) and prints the password-file line {@code NAME:$pbkdf2-sha256$...} for {@code
 * mqtt.credentials-file}. Exit codes: 0 printed, 1 the passwords differ or none was given, 2 usage error.
 */
@Command(
        name = "passwd",
        mixinStandardHelpOptions = true,
        description = "Prints a line for the edge's MQTT password file (mqtt.credentials-file): the user and a"
                + " PBKDF2-HMAC-SHA256 hash of the password read from the terminal or the first line of stdin.")
public final class PasswdMain implements Callable<Integer> {

    @Option(names = "--user", required = true, description = "User name (the device identity); no ':'.")
    String user;

    @Option(
            names = "--iterations",
            description = "PBKDF2 iterations (default ${DEFAULT-VALUE}); each login of a device costs this many"
                    + " HMAC rounds once after every edge start.")
    int iterations = PasswordHash.DEFAULT_ITERATIONS;

    private final Console console;
    private final BufferedReader stdin;
    private final PrintStream out;

    public PasswdMain() {
        this(
                System.console(),
                new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)),
                System.out);
    }

    PasswdMain(Console console, BufferedReader stdin, PrintStream out) {
        this.console = console;
        this.stdin = stdin;
        this.out = out;
    }

    public static void main(String[] args) {
        System.exit(Cli.execute("passwd", new PasswdMain(), args));
    }

    @Override
    public Integer call() throws IOException {
        if (user.isEmpty() || user.indexOf(':') >= 0 || !user.strip().equals(user)) {
            throw new IllegalArgumentException("--user must be non-empty, without ':' or surrounding spaces");
        }
        char[] password = read();
        if (password == null) {
            return 1;
        }
        if (password.length == 0) {
            System.err.println("tributary passwd: no password given");
            return 1;
        }
        try {
            out.println(user + ":" + PasswordHash.create(password, iterations));
            return 0;
        } finally {
            Arrays.fill(password, '\0');
        }
    }

    private char[] read() throws IOException {
        if (console == null) {
            String line = stdin.readLine();
            return line == null ? new char[0] : line.toCharArray();
        }
        char[] first = console.readPassword("Password for %s: ", user);
        char[] again = console.readPassword("Again: ");
        if (first == null || !Arrays.equals(first, again)) {
            System.err.println("tributary passwd: the passwords differ");
            return null;
        }
        return first;
    }
}
