package io.tributary.edge;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.tributary.edge.buffer.BufferStatus;
import io.tributary.edge.buffer.LossReason;
import io.tributary.edge.buffer.StorageFault;
import io.tributary.edge.forward.ForwarderStatus;
import io.tributary.edge.forward.LinkState;
import io.tributary.edge.state.WriteHealth;
import io.tributary.protocol.json.Json;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The edge's health document stays valid JSON whatever names and errors it carries. */
class EdgeHealthJsonTest {

    private static final String HOSTILE = "edge \"7\"\\b\n\t\u0001\uD83D\uDE80</script>";

    @Test
    void healthJson_hostileNames_validJsonCarryingThemExactly() throws IOException {
        ForwarderStatus s = new ForwarderStatus(LinkState.DOWN, "", "refused: \"" + HOSTILE + "\"", List.of(HOSTILE));
        String json = EdgeAgent.healthJson(
                HOSTILE, s, BufferStatus.ACCEPTING, 3, 300, 9, 1L << 32, Map.of(LossReason.values()[0], 2L), List.of());

        StringBuilder read = new StringBuilder();
        try (JsonParser p = Json.FACTORY.createParser(json)) {
            for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
                if (t.isScalarValue()) {
                    read.append(p.currentName()).append('=').append(p.getText()).append('|');
                }
            }
        }
        // an array element has no name of its own: lanesRefused shows as null=
        assertThat(read.toString())
                .isEqualTo("status=degraded|agent=" + HOSTILE + "|link=DOWN|hub=|lastError=refused: \"" + HOSTILE
                        + "\"|null=" + HOSTILE + "|state=online|records=3|bytes=300|epoch=9|epochGrant=4294967296|"
                        + LossReason.values()[0].tag() + "=2|");
    }

    @Test
    void healthJson_healthy_saysOkLikeTheHub_andNoLastError() {
        ForwarderStatus s = new ForwarderStatus(LinkState.UP, "127.0.0.1:7400", "", List.of());
        String json = EdgeAgent.healthJson("edge-1", s, BufferStatus.ACCEPTING, 0, 0, 1, 1, Map.of(), List.of());

        assertThat(json).contains("\"status\":\"ok\"").doesNotContain("lastError");
    }

    @Test
    void healthJson_fenced_saysDown_notOk() {
        ForwarderStatus s = new ForwarderStatus(LinkState.FENCED, "", "FENCED by hub", List.of());
        String json = EdgeAgent.healthJson("edge-1", s, BufferStatus.ACCEPTING, 0, 0, 1, 1, Map.of(), List.of());

        assertThat(json).contains("\"status\":\"down\"").contains("\"link\":\"FENCED\"");
        assertThat(s.healthy()).isFalse();
    }

    @Test
    void healthJson_bufferRefusingOnFullDisk_degradedWithTheCause_evenWithTheLinkUp() {
        ForwarderStatus s = new ForwarderStatus(LinkState.UP, "127.0.0.1:7400", "", List.of());
        BufferStatus full = new BufferStatus(StorageFault.DISK_FULL, true, "No space left on device", 1234);

        String json = EdgeAgent.healthJson("edge-1", s, full, 0, 0, 1, 1, Map.of(), List.of());

        assertThat(json)
                .contains("\"status\":\"degraded\"")
                .contains("\"state\":\"disk_full\"")
                .contains("\"cause\":\"No space left on device\"")
                .contains("\"offlineSinceMs\":1234")
                .contains("\"draining\":true");
    }

    @Test
    void healthJson_bufferLogNotReopened_down() {
        ForwarderStatus s = new ForwarderStatus(LinkState.UP, "127.0.0.1:7400", "", List.of());
        BufferStatus broken = new BufferStatus(StorageFault.IO_ERROR, false, "Input/output error", 1);

        String json = EdgeAgent.healthJson("edge-1", s, broken, 0, 0, 1, 1, Map.of(), List.of());

        assertThat(json).contains("\"status\":\"down\"").contains("\"state\":\"io_error\"");
    }

    @Test
    void healthJson_aStateStoreFailing_degradedWithItsError_andOkStoresListed() throws IOException {
        ForwarderStatus s = new ForwarderStatus(LinkState.UP, "hub:1", "", List.of());
        List<WriteHealth.Status> state = List.of(
                new WriteHealth.Status("retained", true, 0, "", 0),
                new WriteHealth.Status("sessions", false, 2, "java.io.IOException: Input/output error", 1234));
        String json = EdgeAgent.healthJson("edge-1", s, BufferStatus.ACCEPTING, 0, 0, 1, 1, Map.of(), state);
        StringBuilder read = new StringBuilder();
        try (JsonParser p = Json.FACTORY.createParser(json)) {
            for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
                if (t == JsonToken.FIELD_NAME
                        && (p.currentName().equals("retained")
                                || p.currentName().equals("sessions"))) {
                    read.append('[').append(p.currentName()).append(']');
                } else if (t.isScalarValue()) {
                    read.append(p.currentName()).append('=').append(p.getText()).append('|');
                }
            }
        }
        assertThat(read.toString())
                .startsWith("status=degraded|")
                .contains("[retained]state=ok|failures=0|[sessions]state=write_failing|failures=2|"
                        + "lastError=java.io.IOException: Input/output error|failingSinceMs=1234|");
    }
}
