package io.tributary.hub;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.JsonFormat;
import io.tributary.hub.cli.AdminMain;
import io.tributary.protocol.cli.Cli;
import io.tributary.protocol.v1.StreamDescription;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
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

    private record Run(int code, List<String> out, String err) {}

    private Run admin(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        PrintStream stderr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = Cli.execute("admin", new AdminMain(), args);
        } finally {
            System.setOut(stdout);
            System.setErr(stderr);
        }
        return new Run(
                code, out.toString(StandardCharsets.UTF_8).lines().toList(), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void readableByDefault_noJsonMixedIn() {
        assertThat(admin("--hub", endpoint, "streams", "create", "telemetry", "--shards", "2")
                        .code())
                .isZero();

        Run list = admin("--hub", endpoint, "streams", "list");
        assertThat(list.code()).isZero();
        assertThat(list.out()).anySatisfy(l -> assertThat(l).startsWith("stream telemetry"));
        assertThat(list.out()).noneSatisfy(l -> assertThat(l).startsWith("{"));

        Run deleted = admin("--hub", endpoint, "streams", "delete", "telemetry");
        assertThat(deleted.out()).containsExactly("deleted stream telemetry");
    }

    @Test
    void json_oneParseableLineAndNothingElse() throws Exception {
        Run created = admin("--hub", endpoint, "--json", "streams", "create", "telemetry", "--shards", "2");
        assertThat(created.code()).isZero();
        assertThat(created.out()).hasSize(1);
        StreamDescription.Builder stream = StreamDescription.newBuilder();
        JsonFormat.parser().merge(created.out().get(0), stream); // the proto3 JSON mapping
        assertThat(stream.getStream()).isEqualTo("telemetry");
        assertThat(stream.getShardsList()).hasSize(2);

        Run list = admin("--hub", endpoint, "--json", "streams", "list");
        assertThat(list.out()).hasSize(1);
        assertThat(list.out().get(0))
                .startsWith("{\"streams\":[{\"stream\":\"telemetry\"")
                .endsWith("]}");

        Run missing = admin("--hub", endpoint, "--json", "streams", "describe", "nope");
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err()).contains("nope");
        assertThat(missing.out()).singleElement().asString().startsWith("{\"ok\":false,\"error\":");
    }
}
