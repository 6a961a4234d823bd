package io.tributary.hub.health;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.tributary.hub.store.ShardKey;
import io.tributary.protocol.json.Json;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The health document stays valid JSON whatever the hub id and offline causes say. */
class HubHealthJsonTest {

    /** What an operator or an exception message can put there: quotes, backslashes, controls, non-BMP, markup. */
    private static final String HOSTILE = "hub \"east\"\\1\n\t\u0001\uD83D\uDE80</script>";

    /** Reads the document's top-level and shard strings back, in order, as name=value lines. */
    private static String strings(String json) throws IOException {
        StringBuilder out = new StringBuilder();
        try (JsonParser p = Json.FACTORY.createParser(json)) {
            for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
                if (t == JsonToken.VALUE_STRING) {
                    out.append(p.currentName()).append('=').append(p.getText()).append('|');
                }
            }
        }
        return out.toString();
    }

    @Test
    void healthJson_hostileHubIdAndCause_validJsonCarryingThemExactly() throws IOException {
        Map<ShardKey, String> offline = new LinkedHashMap<>();
        offline.put(new ShardKey("s-1", "shard-0001"), "cannot open \"seg 7\": C:\\data\nline two\u0000");
        String json = HubHealth.json(HOSTILE, 3, 5, offline);

        assertThat(json).endsWith("}\n");
        assertThat(strings(json))
                .isEqualTo("status=degraded|hub=" + HOSTILE
                        + "|stream=s-1|shard=shard-0001|cause=cannot open \"seg 7\": " + "C:\\data\nline two\u0000|");
    }

    @Test
    void healthJson_allOnline_okWithEmptyOfflineList() {
        assertThat(HubHealth.json("hub-1", 2, 4, Map.of()))
                .isEqualTo("{\"status\":\"ok\",\"hub\":\"hub-1\",\"streams\":2,\"shards_online\":4,"
                        + "\"shards_offline\":[]}\n");
    }

    @Test
    void healthJson_shardWrittenByAnotherHub_okAndListedWithItsWriter() {
        assertThat(HubHealth.json(
                        "hub-1",
                        1,
                        1,
                        Map.of(),
                        java.util.List.of(),
                        Map.of(new ShardKey("s", "shard-000001"), "written by another hub: h2:7400 (run 1-ab)")))
                .isEqualTo("{\"status\":\"ok\",\"hub\":\"hub-1\",\"streams\":1,\"shards_online\":1,"
                        + "\"shards_offline\":[],\"shards_written_elsewhere\":[{\"stream\":\"s\",\"shard\":"
                        + "\"shard-000001\",\"writer\":\"written by another hub: h2:7400 (run 1-ab)\"}]}\n");
    }
}
