package io.tributary.hub.subscribe;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.hub.client.PutResult;
import io.tributary.hub.store.RetentionPolicy;
import io.tributary.hub.store.ShardKey;
import io.tributary.protocol.v1.Frame;
import io.tributary.protocol.v1.ReadErrorCode;
import io.tributary.protocol.v1.ReadResult;
import io.tributary.protocol.v1.StartPosition;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReadPositionsIT {
    @TempDir
    Path dir;

    ConsumerFixture hub;
    PullClient pull;

    @BeforeEach
    void setUp() throws Exception {
        hub = new ConsumerFixture(dir, Duration.ofSeconds(2));
        hub.createStream("s", 1);
        pull = new PullClient(hub.resources, hub.client());
    }

    @AfterEach
    void tearDown() {
        pull.close();
        hub.close();
    }

    private static StartPosition.Builder pos() {
        return StartPosition.newBuilder();
    }

    @Test
    void getRecords_eachPosition_startsWhereAsked() throws Exception {
        List<PutResult> first = hub.put("s", List.of("k"), 100);
        String shard = first.get(0).shardId();

        ReadResult horizon = pull.get("s", shard, pos().setTrimHorizon(true).build(), 1000, 0)
                .getReadResult();
        assertThat(horizon.getBatches(0).getBaseSequence()).isZero();
        assertThat(horizon.getNextSequence()).isEqualTo(100);
        assertThat(horizon.getRecordsBehind()).isZero();
        assertThat(horizon.getShardEnd()).isFalse();

        ReadResult latest =
                pull.get("s", shard, pos().setLatest(true).build(), 1000, 0).getReadResult();
        assertThat(latest.getBatchesCount()).isZero();
        assertThat(latest.getNextSequence()).isEqualTo(100);

        ReadResult at =
                pull.get("s", shard, pos().setAtSequence(60).build(), 1000, 0).getReadResult();
        assertThat(at.getBatches(0).getBaseSequence()).isLessThanOrEqualTo(60);
        assertThat(at.getBatches(0).getBaseSequence() + at.getBatches(0).getRecordCount())
                .isGreaterThan(60);

        ReadResult after = pull.get("s", shard, pos().setAfterSequence(99).build(), 1000, 0)
                .getReadResult();
        assertThat(after.getBatchesCount()).isZero();
        assertThat(after.getNextSequence()).isEqualTo(100);

        long cut = System.currentTimeMillis() + 5;
        while (System.currentTimeMillis() <= cut) {
            Thread.onSpinWait(); // the next batch must get a later append time than the cut
        }
        hub.put("s", List.of("k"), 10);
        ReadResult byTime = pull.get("s", shard, pos().setAtTimestampMs(cut).build(), 1000, 0)
                .getReadResult();
        assertThat(byTime.getBatches(0).getBaseSequence()).isEqualTo(100);
    }

    @Test
    void getRecords_limits_boundRecordsAndReportLag() throws Exception {
        String shard = hub.put("s", List.of("k"), 200).get(0).shardId();
        ReadResult r =
                pull.get("s", shard, pos().setTrimHorizon(true).build(), 60, 0).getReadResult();
        int n = r.getBatchesList().stream().mapToInt(b -> b.getRecordCount()).sum();
        assertThat(n).isBetween(1, 60);
        assertThat(r.getRecordsBehind()).isEqualTo(200 - r.getNextSequence());

        ReadResult small = pull.get("s", shard, pos().setTrimHorizon(true).build(), 1000, 1)
                .getReadResult();
        assertThat(small.getBatchesCount()).isEqualTo(1);
    }

    @Test
    void getRecords_unknownShardOrBeyondEnd_isAnError() throws Exception {
        Frame unknown =
                pull.get("nope", "shard-000000", pos().setTrimHorizon(true).build(), 10, 0);
        assertThat(unknown.getReadError().getCode()).isEqualTo(ReadErrorCode.READ_ERROR_CODE_UNKNOWN_STREAM);
        Frame beyond = pull.get("s", "shard-000000", pos().setAtSequence(5).build(), 10, 0);
        assertThat(beyond.getReadError().getCode()).isEqualTo(ReadErrorCode.READ_ERROR_CODE_BAD_REQUEST);
    }

    @Test
    void getRecords_belowRetention_isTrimmedWithOldestSequence() throws Exception {
        pull.close();
        hub.close();
        hub = new ConsumerFixture(dir, Duration.ofSeconds(2), java.util.Map.of("segment-max-bytes", "4KiB"));
        pull = new PullClient(hub.resources, hub.client());
        // Small segments so retention can delete whole ones.
        String shard = "shard-000000";
        ShardKey key = new ShardKey("s", shard);
        for (int i = 0; i < 5; i++) {
            hub.put("s", List.of("k"), 100);
        }
        hub.hub.store().enforceRetention(key, new RetentionPolicy(0, 1)).get();
        long oldest = hub.hub.store().info(key).oldestSequence();
        assertThat(oldest).isPositive();
        Frame f = pull.get("s", shard, pos().setAtSequence(0).build(), 10, 0);
        assertThat(f.getReadError().getCode()).isEqualTo(ReadErrorCode.READ_ERROR_CODE_TRIMMED);
        assertThat(f.getReadError().getOldestSequence()).isEqualTo(oldest);
    }
}
