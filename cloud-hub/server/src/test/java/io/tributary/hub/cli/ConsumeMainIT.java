package io.tributary.hub.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.hub.subscribe.ConsumerFixture;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConsumeMainIT {
    @TempDir
    Path dir;

    ConsumerFixture hub;

    @BeforeEach
    void setUp() throws Exception {
        hub = new ConsumerFixture(dir, Duration.ofSeconds(2));
        hub.createStream("s", 2);
        hub.put("s", List.of("a", "b", "c"), 10);
    }

    @AfterEach
    void tearDown() {
        hub.close();
    }

    private List<String> run(String... args) {
        ConsumeRun r = ConsumeRun.of(args);
        assertThat(r.code()).isZero();
        return r.lines();
    }

    @Test
    void consume_max_printsRecordLinesAndSummary() {
        List<String> lines = run("--hub", "127.0.0.1:" + hub.hub.port(), "--stream", "s", "--max", "30");
        assertThat(lines).hasSize(31);
        assertThat(lines.get(0)).matches("shard-00000[01] \\d+ [abc] \\S+ [abc]-\\d+");
        assertThat(lines.get(30)).startsWith("{\"records\":30,");
    }

    @Test
    void consume_group_idleExitCheckpointsAndResumes() {
        List<String> first =
                run("--hub", "127.0.0.1:" + hub.hub.port(), "--stream", "s", "--group", "g", "--idle-exit", "2");
        assertThat(first.get(first.size() - 1)).startsWith("{\"records\":30,");
        List<String> again =
                run("--hub", "127.0.0.1:" + hub.hub.port(), "--stream", "s", "--group", "g", "--idle-exit", "2");
        assertThat(again.get(again.size() - 1)).startsWith("{\"records\":0,");
    }
}
