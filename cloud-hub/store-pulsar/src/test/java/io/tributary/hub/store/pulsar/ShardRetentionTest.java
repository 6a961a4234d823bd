package io.tributary.hub.store.pulsar;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.hub.store.RetentionPolicy;
import java.io.IOException;
import org.apache.pulsar.client.api.MessageId;
import org.junit.jupiter.api.Test;

class ShardRetentionTest {
    /** Ten batches of 100 bytes, appended at 1000, 1010, ... 1090. */
    private static SequenceIndex tenBatches() {
        SequenceIndex index = new SequenceIndex();
        for (int i = 0; i < 10; i++) {
            index.add(i * 3L, 3, 1000 + i * 10, 100, MessageId.earliest);
        }
        return index;
    }

    @Test
    void byAge_eachBatchGoesOnceOlderThanTheLimit_allOfThemToo() {
        SequenceIndex index = tenBatches();
        assertThat(ShardRetention.victims(index, new RetentionPolicy(50, 0), 1095))
                .isEqualTo(5); // before 1045
        assertThat(ShardRetention.victims(index, new RetentionPolicy(50, 0), 1090))
                .isEqualTo(4); // 1040 is not older
        assertThat(ShardRetention.victims(index, new RetentionPolicy(50, 0), 2000))
                .isEqualTo(10);
        assertThat(ShardRetention.victims(index, new RetentionPolicy(5000, 0), 2000))
                .isZero();
    }

    @Test
    void bySize_theOldestGoWhileThePayloadsExceedTheLimit_andTheStricterLimitWins() {
        SequenceIndex index = tenBatches();
        assertThat(ShardRetention.victims(index, new RetentionPolicy(0, 1000), 0))
                .isZero();
        assertThat(ShardRetention.victims(index, new RetentionPolicy(0, 999), 0))
                .isEqualTo(1);
        assertThat(ShardRetention.victims(index, new RetentionPolicy(0, 350), 0))
                .isEqualTo(7);
        assertThat(ShardRetention.victims(index, new RetentionPolicy(0, 1), 0)).isEqualTo(10);
        assertThat(ShardRetention.victims(index, new RetentionPolicy(25, 350), 1050))
                .isEqualTo(7);
        assertThat(ShardRetention.victims(index, new RetentionPolicy(25, 950), 1100))
                .isEqualTo(8);
        assertThat(ShardRetention.victims(index, RetentionPolicy.UNLIMITED, 1_000_000))
                .isZero();
    }

    @Test
    void ledgerIds_fromTopicInternalStats() throws IOException {
        String stats = "{\"entriesAddedCounter\":60,\"lastConfirmedEntry\":\"13:9\",\"ledgers\":[{\"ledgerId\":12,"
                + "\"entries\":50,\"size\":5000,\"offloaded\":false,\"properties\":{\"a\":\"b\"}},{\"ledgerId\":13,"
                + "\"entries\":10}],\"cursors\":{\"tributary-retention\":{\"markDeletePosition\":\"12:-1\","
                + "\"ledgerId\":99}},\"compactedLedger\":{\"ledgerId\":-1}}";
        assertThat(PulsarAdminRest.ledgerIdsIn(stats)).containsExactly(12L, 13L);
        assertThat(PulsarAdminRest.ledgerIdsIn("{\"ledgers\":[]}")).isEmpty();
    }
}
