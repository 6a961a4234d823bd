package io.tributary.hub.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.protocol.auth.Credentials;
import io.tributary.protocol.v1.Hello;
import io.tributary.protocol.v1.UserPassword;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HubAuthenticatorTest {
    @TempDir
    Path dir;

    @Test
    void check_withoutFiles_acceptsEveryHello() {
        HubAuthenticator auth = HubAuthenticator.open();

        assertThat(auth.enabled()).isFalse();
        assertThat(auth.check(Hello.getDefaultInstance())).isEmpty();
        assertThat(auth.check(token("anything"))).isEmpty();
    }

    @Test
    void check_tokensFile_acceptsListedTokensOnly() throws IOException {
        HubAuthenticator auth = HubAuthenticator.load(
                Optional.of(Files.writeString(dir.resolve("tokens"), "# edge\n  alpha  \n\nbeta\n")), Optional.empty());

        assertThat(auth.enabled()).isTrue();
        assertThat(auth.check(token("alpha")))
                .as("surrounding blanks are not part of a token")
                .isEmpty();
        assertThat(auth.check(token("beta"))).isEmpty();
        assertThat(auth.check(token("gamma"))).contains("unknown token");
        assertThat(auth.check(token("# edge"))).as("comments are not tokens").isPresent();
        assertThat(auth.check(token(""))).isPresent();
    }

    @Test
    void check_credentialsFile_acceptsTheRightPasswordOnly() throws IOException {
        String hashed = HexFormat.of().formatHex(Credentials.sha256("s3cret".getBytes(StandardCharsets.UTF_8)));
        HubAuthenticator auth = HubAuthenticator.load(
                Optional.empty(),
                Optional.of(Files.writeString(dir.resolve("users"), "alice:wonderland\nbob:{sha256}" + hashed + "\n")));

        assertThat(auth.check(user("alice", "wonderland"))).isEmpty();
        assertThat(auth.check(user("bob", "s3cret"))).isEmpty();
        assertThat(auth.check(user("alice", "s3cret"))).contains("wrong user name or password");
        assertThat(auth.check(user("carol", "wonderland"))).contains("wrong user name or password");
    }

    @Test
    void check_helloWithoutCredentials_isRefusedWhenAuthenticationIsOn() throws IOException {
        HubAuthenticator auth = HubAuthenticator.load(
                Optional.of(Files.writeString(dir.resolve("tokens"), "alpha\n")), Optional.empty());

        assertThat(auth.check(Hello.newBuilder().setAgentId("a").build()))
                .hasValueSatisfying(reason -> assertThat(reason).contains("credentials required"));
    }

    @Test
    void check_userPasswordWithOnlyATokensFile_isRefused() throws IOException {
        HubAuthenticator auth = HubAuthenticator.load(
                Optional.of(Files.writeString(dir.resolve("tokens"), "alpha\n")), Optional.empty());

        assertThat(auth.check(user("alpha", "alpha"))).isPresent();
    }

    @Test
    void load_tokensFileWithoutTokens_fails() throws IOException {
        Path empty = Files.writeString(dir.resolve("tokens"), "# nothing here\n\n");

        assertThatThrownBy(() -> HubAuthenticator.load(Optional.of(empty), Optional.empty()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("holds no token");
    }

    @Test
    void load_malformedCredentialsFile_namesEveryBadLine() throws IOException {
        Path bad = Files.writeString(dir.resolve("users"), "alice:ok\nno-colon\nbob:{sha256}abc\n");

        assertThatThrownBy(() -> HubAuthenticator.load(Optional.empty(), Optional.of(bad)))
                .hasMessageContaining(":2:")
                .hasMessageContaining(":3:");
    }

    private static Hello token(String token) {
        return Hello.newBuilder().setAgentId("a").setToken(token).build();
    }

    private static Hello user(String name, String password) {
        return Hello.newBuilder()
                .setAgentId("a")
                .setUserPassword(UserPassword.newBuilder().setUsername(name).setPassword(password))
                .build();
    }
}
