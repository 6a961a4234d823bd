package io.tributary.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The openssl command line, to make test certificates (a CA, certificates signed by it, PKCS#8 and PKCS#12 files) in
 * a directory; its output goes to {@code openssl.log} there. Tests skip themselves when it is not {@link #available()}.
 */
public final class OpenSsl {

    private static final Path BINARY = Path.of("/usr/bin/openssl");

    private final Path dir;

    public OpenSsl(Path dir) {
        this.dir = dir;
    }

    public static boolean available() {
        return Files.isExecutable(BINARY);
    }

    /**
     * Runs {@code openssl ARGS} in the directory.
     *
     * @throws IllegalStateException when it does not exit 0 within a minute, naming the command and the log
     */
    public void run(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(BINARY.toString()));
        cmd.addAll(List.of(args));
        Path log = dir.resolve("openssl.log");
        Process p = new ProcessBuilder(cmd)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("openssl " + cmd + " did not finish within 60 s (see " + log + ")");
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException("openssl " + cmd + " exited " + p.exitValue() + " (see " + log + ")");
        }
    }

    /**
     * Signs {@code NAME.csr} with the CA in {@code ca.crt} / {@code ca.key} of the directory into {@code NAME.crt},
     * valid for two days, with {@code subjectAltName=san} (e.g. {@code DNS:localhost,IP:127.0.0.1}).
     */
    public void signWithCa(String name, String san) throws IOException, InterruptedException {
        Files.writeString(dir.resolve(name + ".ext"), "subjectAltName=" + san + "\n");
        run(
                "x509",
                "-req",
                "-in",
                name + ".csr",
                "-CA",
                "ca.crt",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-days",
                "2",
                "-extfile",
                name + ".ext",
                "-out",
                name + ".crt");
    }
}
