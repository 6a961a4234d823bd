package io.tributary.edge;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.edge.config.EdgeConfig;
import io.tributary.edge.mqtt.auth.AccessConfig;
import io.tributary.edge.mqtt.auth.Identity;
import io.tributary.edge.mqtt.auth.PasswordHash;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent builds its MQTT access control from the config: password file, ACL file, limits. */
class EdgeAgentAccessTest {

    @Test
    void passwordAndAclFiles_areLoaded_withoutAclEverythingIsAllowed(@TempDir Path dir) throws Exception {
        Path users = Files.writeString(
                dir.resolve("users"), "press-7:" + PasswordHash.create("p7".toCharArray(), 1000) + "\nold:plain\n");
        Path acl = Files.writeString(dir.resolve("acl.yaml"), "everyone:\n  publish: [\"tributary/g/{device}/#\"]\n");
        EdgeConfig config = EdgeConfig.load(
                Optional.empty(),
                Map.of(),
                Map.of(
                        "mqtt.credentials-file",
                        users.toString(),
                        "mqtt.acl-file",
                        acl.toString(),
                        "mqtt.limits.subscriptions",
                        "3"));
        AccessConfig access = EdgeAgent.mqttAccess(config);
        assertThat(access.passwords().verify("press-7", "p7".getBytes(StandardCharsets.UTF_8)))
                .isTrue();
        assertThat(access.passwords().verify("old", "plain".getBytes(StandardCharsets.UTF_8)))
                .isTrue();
        assertThat(access.passwords().verify("press-7", "p8".getBytes(StandardCharsets.UTF_8)))
                .isFalse();
        Identity press7 = new Identity("press-7", Identity.Source.PASSWORD);
        assertThat(access.permissions(press7, "c").mayPublish("tributary/g/press-7/t"))
                .isTrue();
        assertThat(access.permissions(press7, "c").mayPublish("tributary/g/press-8/t"))
                .isFalse();
        assertThat(access.limits().subscriptionsPerClient()).isEqualTo(3);

        EdgeConfig open =
                EdgeConfig.load(Optional.empty(), Map.of(), Map.of("mqtt.credentials-file", users.toString()));
        assertThat(EdgeAgent.mqttAccess(open).permissions(press7, "c").mayPublish("anything"))
                .isTrue();
    }
}
