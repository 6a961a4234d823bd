package io.tributary.hub.cli;

import io.tributary.protocol.cli.Cli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** One in-process run of {@code consume}: its exit code and the lines it printed on standard output. */
record ConsumeRun(int code, List<String> lines) {
    static ConsumeRun of(String... args) {
        PrintStream stdout = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = Cli.execute("consume", new ConsumeMain(), args); // as main() runs it
        } finally {
            System.setOut(stdout);
        }
        return new ConsumeRun(code, buf.toString(StandardCharsets.UTF_8).lines().toList());
    }

    String last() {
        return lines.get(lines.size() - 1);
    }
}
