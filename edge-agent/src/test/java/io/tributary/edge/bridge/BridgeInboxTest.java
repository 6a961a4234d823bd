package io.tributary.edge.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import org.eclipse.paho.client.mqttv3.MqttPersistable;
import org.eclipse.paho.client.mqttv3.internal.MqttPersistentData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BridgeInboxTest {
    @TempDir
    Path dir;

    private static MqttPersistable data(String header, String payload) {
        byte[] h = ("xx" + header).getBytes(StandardCharsets.UTF_8);
        byte[] p = payload.getBytes(StandardCharsets.UTF_8);
        return new MqttPersistentData("k", h, 2, h.length - 2, p, 0, p.length);
    }

    private static String header(MqttPersistable p) throws Exception {
        return new String(p.getHeaderBytes(), p.getHeaderOffset(), p.getHeaderLength(), StandardCharsets.UTF_8);
    }

    private static String payload(MqttPersistable p) throws Exception {
        return new String(p.getPayloadBytes(), p.getPayloadOffset(), p.getPayloadLength(), StandardCharsets.UTF_8);
    }

    private BridgeInbox open() throws Exception {
        BridgeInbox inbox = new BridgeInbox(dir);
        inbox.open("c", "tcp://x:1883");
        return inbox;
    }

    @Test
    void putThenReopen_sameBytesAndIncarnation() throws Exception {
        BridgeInbox inbox = open();
        inbox.put("r-7", data("head", "body"));
        long incarnation = inbox.incarnation(7);
        assertThat(incarnation).isNotNegative().isLessThan(1L << 46);
        assertThat(header(inbox.get("r-7"))).isEqualTo("head");

        BridgeInbox again = open();
        assertThat(again.containsKey("r-7")).isTrue();
        assertThat(header(again.get("r-7"))).isEqualTo("head");
        assertThat(payload(again.get("r-7"))).isEqualTo("body");
        assertThat(again.incarnation(7)).isEqualTo(incarnation);
        assertThat(again.incarnation(8)).isEqualTo(-1);
        assertThat(Collections.list(again.keys())).containsExactly("r-7");
    }

    @Test
    void aReusedKey_getsANewIncarnation() throws Exception {
        BridgeInbox inbox = open();
        inbox.put("r-7", data("a", "b"));
        long first = inbox.incarnation(7);
        inbox.remove("r-7");
        assertThat(inbox.incarnation(7)).isEqualTo(-1);
        inbox.put("r-7", data("a", "b"));
        assertThat(inbox.incarnation(7)).isNotEqualTo(first);
        assertThat(open().incarnation(7)).isEqualTo(inbox.incarnation(7));
    }

    @Test
    void removeAndClear_areDurable() throws Exception {
        BridgeInbox inbox = open();
        inbox.put("r-1", data("a", ""));
        inbox.put("r-2", data("b", ""));
        inbox.remove("r-1");
        assertThat(open().containsKey("r-1")).isFalse();
        inbox.clear();
        assertThat(Collections.list(open().keys())).isEmpty();
    }

    @Test
    void tornOrForeignFiles_areDeletedAtOpen_theRestIsKept() throws Exception {
        BridgeInbox inbox = open();
        inbox.put("r-1", data("keep", "me"));
        inbox.put("r-2", data("torn", "write"));
        byte[] whole = Files.readAllBytes(dir.resolve("r-2.msg"));
        Files.write(dir.resolve("r-2.msg"), java.util.Arrays.copyOf(whole, whole.length - 3));
        Files.write(dir.resolve("r-3.msg"), "not ours".getBytes(StandardCharsets.UTF_8));
        Files.write(dir.resolve("r-4.msg"), new byte[0]);
        byte[] flipped = Files.readAllBytes(dir.resolve("r-1.msg"));
        Files.write(dir.resolve("r-5.msg"), flipped);
        flipped[14] ^= 1;
        Files.write(dir.resolve("r-6.msg"), flipped);

        BridgeInbox again = open();
        assertThat(Collections.list(again.keys())).containsExactlyInAnyOrder("r-1", "r-5");
        assertThat(header(again.get("r-1"))).isEqualTo("keep");
        assertThat(dir.resolve("r-2.msg")).doesNotExist();
        assertThat(dir.resolve("r-6.msg")).doesNotExist();
    }
}
