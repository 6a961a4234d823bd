package io.tributary.protocol.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CredentialsTest {

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void authenticate_plainAndHashedEntries_acceptOnlyTheRightPassword() {
        String hash = HexFormat.of().formatHex(Credentials.sha256(utf8("pa:ss")));
        Credentials auth = Credentials.of(Map.of("alice", "wonder", "bob", "{sha256}" + hash));
        assertThat(auth.authenticate("alice", utf8("wonder"))).isTrue();
        assertThat(auth.authenticate("alice", utf8("Wonder"))).isFalse();
        assertThat(auth.authenticate("bob", utf8("pa:ss"))).isTrue();
        assertThat(auth.authenticate("bob", utf8(hash))).isFalse();
        assertThat(auth.authenticate("carol", new byte[0])).isFalse();
    }

    @Test
    void load_fileWithCommentsAndColonInPassword_parsed(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("users");
        Files.writeString(file, "# devices\n\nsensor-1:a:b:c\n  gw : x \n");
        Credentials auth = Credentials.load(file);
        assertThat(auth.size()).isEqualTo(2);
        assertThat(auth.authenticate("sensor-1", utf8("a:b:c"))).isTrue();
    }

    @Test
    void load_badLines_everyErrorReportedWithLineNumber(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("users");
        Files.writeString(file, "nocolon\nu:{sha256}abc\n:pw\nu2:x\nu2:y\n");
        assertThatThrownBy(() -> Credentials.load(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(":1: expected user:password")
                .hasMessageContaining(":2: user 'u': {sha256} needs 64 hex digits")
                .hasMessageContaining(":3: empty user name")
                .hasMessageContaining(":5: duplicate user 'u2'");
    }
}
