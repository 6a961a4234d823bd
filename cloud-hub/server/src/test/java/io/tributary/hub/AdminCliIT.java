package io.tributary.hub;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.JsonFormat;
import io.tributary.protocol.v1.StreamDescription;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./tributary admin}: readable text by default, one JSON line with {@code --json}, never both on stdout. */
class AdminCliIT {
    @TempDir
    Path dir;

    private Hub hub;
    private String endpoint;

    @BeforeEach
    void startHub() throws Exception {
        hub = Hub.start(TestHubs.config(dir, Map.of()));
        endpoint = "127.0.0.1:" + hub.port();
    }

    @AfterEach
    void stopHub() {
        hub.close();
    }

    private static AdminCliRun admin(String... args) {
        return AdminCliRun.of(args);
    }

    @Test
    void readableByDefault_noJsonMixedIn() {
        assertThat(admin("--hub", endpoint, "streams", "create", "telemetry", "--shards", "2")
                        .code())
                .isZero();

        AdminCliRun list = admin("--hub", endpoint, "streams", "list");
        assertThat(list.code()).isZero();
        assertThat(list.out()).anySatisfy(l -> assertThat(l).startsWith("stream telemetry"));
        assertThat(list.out()).noneSatisfy(l -> assertThat(l).startsWith("{"));

        // Which store holds the stream, and that this hub writes each shard (the local store: always).
        AdminCliRun described = admin("--hub", endpoint, "streams", "describe", "telemetry");
        assertThat(described.code()).isZero();
        assertThat(described.out())
                .contains("  store local  described by hub " + hub.config().hubId());
        assertThat(described.out().stream().filter(l -> l.startsWith("  shard-")))
                .hasSize(2)
                .allSatisfy(l -> assertThat(l).contains("  online  writer " + endpoint + " (this hub)"));

        AdminCliRun deleted = admin("--hub", endpoint, "streams", "delete", "telemetry");
        assertThat(deleted.out()).containsExactly("deleted stream telemetry");
    }

    @Test
    void json_oneParseableLineAndNothingElse() throws Exception {
        AdminCliRun created = admin("--hub", endpoint, "--json", "streams", "create", "telemetry", "--shards", "2");
        assertThat(created.code()).isZero();
        assertThat(created.out()).hasSize(1);
        StreamDescription.Builder stream = StreamDescription.newBuilder();
        JsonFormat.parser().merge(created.out().get(0), stream); // the proto3 JSON mapping
        assertThat(stream.getStream()).isEqualTo("telemetry");
        assertThat(stream.getShardsList()).hasSize(2);

        AdminCliRun list = admin("--hub", endpoint, "--json", "streams", "list");
        assertThat(list.out()).hasSize(1);
        assertThat(list.out().get(0))
                .startsWith("{\"streams\":[{\"stream\":\"telemetry\"")
                .endsWith("]}");

        AdminCliRun described = admin("--hub", endpoint, "--json", "streams", "describe", "telemetry");
        assertThat(described.out()).hasSize(1);
        StreamDescription.Builder d = StreamDescription.newBuilder();
        JsonFormat.parser().merge(described.out().get(0), d);
        assertThat(d.getStore()).isEqualTo("local");
        assertThat(d.getHubId()).isEqualTo(hub.config().hubId());
        assertThat(d.getShardsList()).allSatisfy(shard -> {
            assertThat(shard.getWriter()).isEqualTo(endpoint);
            assertThat(shard.getWrittenHere()).isTrue();
        });

        AdminCliRun missing = admin("--hub", endpoint, "--json", "streams", "describe", "nope");
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err()).contains("nope");
        assertThat(missing.out()).singleElement().asString().startsWith("{\"ok\":false,\"error\":");
    }
}
