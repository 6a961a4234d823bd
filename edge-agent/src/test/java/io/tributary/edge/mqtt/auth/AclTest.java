package io.tributary.edge.mqtt.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AclTest {

    @TempDir
    Path dir;

    private Acl load(String yaml) throws Exception {
        Path file = dir.resolve("acl.yaml");
        Files.writeString(file, yaml);
        return AclFile.load(file);
    }

    private static Identity user(String name) {
        return new Identity(name, Identity.Source.PASSWORD);
    }

    private static final String PLANT = """
            groups:
              plant-1:
                members: [press-7, press-8]
                publish: ["tributary/{group}/{device}/#"]
                subscribe: ["local/{group}/#"]
            identities:
              dashboard:
                subscribe: ["tributary/#"]
            everyone:
              subscribe: ["local/broadcast/#", "cmd/{client-id}/#"]
            """;

    @Test
    void groupRules_fillDeviceAndGroupFromTheIdentity_andDenyTheRest() throws Exception {
        Acl acl = load(PLANT);
        Permissions press7 = acl.permissions(user("press-7"), "any-client-id");
        assertThat(press7.mayPublish("tributary/plant-1/press-7/temp")).isTrue();
        assertThat(press7.mayPublish("tributary/plant-1/press-8/temp")).isFalse();
        assertThat(press7.mayPublish("tributary/plant-2/press-7/temp")).isFalse();
        assertThat(press7.mayPublish("local/plant-1/x"))
                .as("subscribe rule, not publish")
                .isFalse();
        assertThat(press7.maySubscribe("local/plant-1/#")).isTrue();
        assertThat(press7.maySubscribe("local/broadcast/+")).isTrue();
        assertThat(press7.maySubscribe("cmd/any-client-id/reboot")).isTrue();
        assertThat(press7.maySubscribe("cmd/other/#")).isFalse();
        assertThat(press7.maySubscribe("tributary/plant-1/press-8/#")).isFalse();
        assertThat(press7.maySubscribe("#")).isFalse();

        Permissions stranger = acl.permissions(user("stranger"), "c");
        assertThat(stranger.mayPublish("tributary/plant-1/stranger/temp")).isFalse();
        assertThat(stranger.maySubscribe("local/broadcast/#")).isTrue();
        assertThat(acl.permissions(user("dashboard"), "d").maySubscribe("tributary/+/+/temp"))
                .isTrue();
        assertThat(acl.permissions(Identity.ANONYMOUS, "a").maySubscribe("local/broadcast/#"))
                .as("anonymous gets only the anonymous section")
                .isFalse();
    }

    @Test
    void identityWithWildcardsOrSlash_cannotWidenARule() throws Exception {
        Acl acl = load("everyone:\n  publish: [\"tributary/g/{device}/#\"]\n  subscribe: [\"d/{device}/#\"]\n");
        for (String hostile : new String[] {"+", "#", "a/b", "a+", ""}) {
            Permissions p = acl.permissions(new Identity(hostile, Identity.Source.CERTIFICATE), "c");
            assertThat(p.mayPublish("tributary/g/other/temp")).as(hostile).isFalse();
            assertThat(p.publishFilters()).as(hostile).isEmpty();
            assertThat(p.maySubscribe("d/other/x")).as(hostile).isFalse();
        }
        assertThat(acl.permissions(user("d1"), "c").mayPublish("tributary/g/d1/temp"))
                .isTrue();
    }

    @Test
    void coverage_isExact_forWildcardsAndDollarTopics() {
        assertThat(Permissions.covers("a/#", "a")).isTrue();
        assertThat(Permissions.covers("a/#", "a/b/#")).isTrue();
        assertThat(Permissions.covers("a/+", "a/b")).isTrue();
        assertThat(Permissions.covers("a/+", "a/+")).isTrue();
        assertThat(Permissions.covers("a/+", "a/#")).isFalse();
        assertThat(Permissions.covers("a/+", "a/b/c")).isFalse();
        assertThat(Permissions.covers("a/b", "a/+")).isFalse();
        assertThat(Permissions.covers("a/b", "a")).isFalse();
        assertThat(Permissions.covers("a/b/c", "a/b")).isFalse();
        assertThat(Permissions.covers("#", "$SYS/#")).isFalse();
        assertThat(Permissions.covers("+/x", "$SYS/x")).isFalse();
        assertThat(Permissions.covers("$SYS/#", "$SYS/broker")).isTrue();
        assertThat(Permissions.covers("a//b", "a//b"))
                .as("empty levels are legal")
                .isTrue();
        assertThat(Permissions.covers("a/+/b", "a//b")).isTrue();
    }

    @Test
    void badFiles_reportEveryProblemWithWhereItIs() throws Exception {
        assertThatThrownBy(() -> load("""
                groups:
                  g:
                    memberz: [a]
                    publish: ["a/#/b"]
                identities:
                  x:
                    subscribe: ["{user}/#", "$share/s/a"]
                nobody: {}
                """))
                .hasMessageContaining("groups.g: unknown key 'memberz'")
                .hasMessageContaining("groups.g.publish:")
                .hasMessageContaining("identities.x.subscribe: '{user}/#': unknown placeholder")
                .hasMessageContaining("not a shared subscription")
                .hasMessageContaining("the top level: unknown key 'nobody'");
        assertThatThrownBy(() -> load("groups: [a")).hasMessageContaining("no valid YAML");
    }

    @Test
    void emptyFile_deniesEverything() throws Exception {
        Permissions p = load("").permissions(user("a"), "a");
        assertThat(p.mayPublish("a")).isFalse();
        assertThat(p.maySubscribe("#")).isFalse();
        assertThat(Permissions.ALL.mayPublish("anything/at/all")).isTrue();
    }

    @Test
    void limitsAndBuckets() {
        assertThatThrownBy(() -> new Limits(0, -1, -1, 0, 0))
                .hasMessageContaining("connections must be >= 1")
                .hasMessageContaining("per identity")
                .hasMessageContaining("publish rate")
                .hasMessageContaining("burst")
                .hasMessageContaining("subscriptions");
        TokenBucket bucket = new TokenBucket(10, 2, 0);
        assertThat(bucket.take(0)).isZero();
        assertThat(bucket.take(0)).isZero();
        assertThat(bucket.take(0)).as("one token in debt at 10/s").isEqualTo(100_000_000L);
        assertThat(bucket.take(100_000_000L)).as("debt paid, one more taken").isEqualTo(100_000_000L);
        assertThat(bucket.take(10_000_000_000L)).isZero();

        ConnectionLimits limits = new ConnectionLimits(new Limits(3, 1, 0, 1, 1));
        ConnectionLimits.Admission first = limits.admit(user("d"), "c1");
        assertThat(first.ticket()).isNotNull();
        assertThat(limits.admit(user("d"), "c2").refusal())
                .isEqualTo(ConnectionLimits.Refusal.IDENTITY_CONNECTION_LIMIT);
        ConnectionLimits.Admission takeover = limits.admit(user("d"), "c1");
        assertThat(takeover.ticket()).as("same client id: a takeover").isNotNull();
        assertThat(limits.admit(Identity.ANONYMOUS, "a").ticket()).isNotNull();
        assertThat(limits.admit(user("e"), "e").refusal()).isEqualTo(ConnectionLimits.Refusal.CONNECTION_LIMIT);
        limits.release(first.ticket());
        limits.release(first.ticket());
        assertThat(limits.open()).isEqualTo(2);
        limits.release(takeover.ticket());
        assertThat(limits.admit(user("d"), "c2").ticket()).isNotNull();
    }
}
