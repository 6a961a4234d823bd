package io.tributary.hub.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import picocli.CommandLine;

/** One in-process run of {@code consume}: its exit code and the lines it printed on standard output. */
record ConsumeRun(int code, List<String> lines) {
    static ConsumeRun of(String... args) {
        PrintStream stdout = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = new CommandLine(new ConsumeMain()).execute(args);
        } finally {
            System.setOut(stdout);
        }
        return new ConsumeRun(code, buf.toString(StandardCharsets.UTF_8).lines().toList());
    }

    String last() {
        return lines.get(lines.size() - 1);
    }
}
