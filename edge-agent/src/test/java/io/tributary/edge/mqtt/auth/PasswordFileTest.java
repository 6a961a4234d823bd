package io.tributary.edge.mqtt.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PasswordFileTest {

    @TempDir
    Path dir;

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void pbkdf2Hash_verifiesOnlyItsPassword_andCarriesSaltAndIterations() {
        String stored = PasswordHash.create("pässwörd".toCharArray(), 1000);
        assertThat(stored).matches("\\$pbkdf2-sha256\\$1000\\$[A-Za-z0-9+/]{22}\\$[A-Za-z0-9+/]{43}");
        PasswordHash hash = PasswordHash.parse(stored);
        assertThat(hash.verify(utf8("pässwörd"))).isTrue();
        assertThat(hash.verify(utf8("pässwörd "))).isFalse();
        assertThat(hash.verify(new byte[0])).isFalse();
        // a fresh salt each time: the same password never gives the same line
        assertThat(PasswordHash.create("pässwörd".toCharArray(), 1000)).isNotEqualTo(stored);
    }

    @Test
    void malformedHashes_areRefusedWithTheReason() {
        assertThatThrownBy(() -> PasswordHash.parse(
                        "$pbkdf2-sha256$10$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"))
                .hasMessageContaining("iterations must be");
        assertThatThrownBy(() -> PasswordHash.parse("$pbkdf2-sha256$1000$only-two"))
                .hasMessageContaining("expected");
        assertThatThrownBy(() -> PasswordHash.parse("$pbkdf2-sha256$x$a$b")).hasMessageContaining("not a number");
        assertThatThrownBy(() -> PasswordHash.parse("$pbkdf2-sha256$1000$!!$!!"))
                .hasMessageContaining("Base64");
    }

    @Test
    void file_acceptsHashedPlainAndSha256Lines_andListsTheLegacyUsers() throws Exception {
        Path file = dir.resolve("passwd");
        Files.writeString(
                file,
                "# devices\n"
                        + "press-7:" + PasswordHash.create("p7".toCharArray(), 1000) + "\n\n"
                        + "old-plain:secret\n"
                        + "old-sha:{sha256}2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b\n");
        PasswordFile passwords = PasswordFile.load(file);
        assertThat(passwords.size()).isEqualTo(3);
        assertThat(passwords.legacyUsers()).containsExactlyInAnyOrder("old-plain", "old-sha");
        assertThat(passwords.verify("press-7", utf8("p7"))).isTrue();
        assertThat(passwords.verify("press-7", utf8("p7")))
                .as("again, from the cache")
                .isTrue();
        assertThat(passwords.verify("press-7", utf8("p8"))).isFalse();
        assertThat(passwords.verify("old-plain", utf8("secret"))).isTrue();
        assertThat(passwords.verify("old-sha", utf8("secret"))).isTrue();
        assertThat(passwords.verify("old-sha", utf8("wrong"))).isFalse();
        assertThat(passwords.verify("nobody", utf8("p7"))).isFalse();
    }

    @Test
    void file_withBadLines_reportsEveryOneWithItsNumber() throws Exception {
        Path file = dir.resolve("passwd");
        Files.writeString(file, "no-colon\nok:x\nok:y\nbad:$pbkdf2-sha256$12$x$y\n");
        assertThatThrownBy(() -> PasswordFile.load(file))
                .hasMessageContaining(":1: expected user:password")
                .hasMessageContaining(":3: duplicate user 'ok'");
        Files.writeString(file, "bad:$pbkdf2-sha256$12$x$y\n");
        assertThatThrownBy(() -> PasswordFile.load(file)).hasMessageContaining(":1: iterations must be");
    }

    @Test
    void passwd_printsALineThatTheFileAccepts() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PasswdMain main = new PasswdMain(
                null,
                new BufferedReader(new StringReader("s3cret\n")),
                new PrintStream(out, true, StandardCharsets.UTF_8));
        int exit = picocli.CommandLine.class
                .cast(new picocli.CommandLine(main))
                .execute("--user", "press-7", "--iterations", "1000");
        assertThat(exit).isZero();
        String line = out.toString(StandardCharsets.UTF_8).strip();
        assertThat(line).startsWith("press-7:$pbkdf2-sha256$1000$");
        Path file = dir.resolve("passwd");
        Files.writeString(file, line + "\n");
        assertThat(PasswordFile.load(file).verify("press-7", utf8("s3cret"))).isTrue();
        assertThat(PasswordFile.of(Map.of("a", "b")).verify("a", utf8("b"))).isTrue();
    }

    @Test
    void passwd_refusesAnEmptyPasswordAndABadUser() {
        PasswdMain empty = new PasswdMain(null, new BufferedReader(new StringReader("")), System.out);
        assertThat(new picocli.CommandLine(empty).execute("--user", "u")).isEqualTo(1);
        PasswdMain colon = new PasswdMain(null, new BufferedReader(new StringReader("x\n")), System.out);
        assertThat(new picocli.CommandLine(colon).execute("--user", "a:b")).isNotZero();
    }
}
