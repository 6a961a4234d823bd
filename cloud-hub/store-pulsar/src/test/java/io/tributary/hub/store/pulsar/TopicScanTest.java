package io.tributary.hub.store.pulsar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.hub.store.ProducerKey;
import io.tributary.hub.store.ProducerLookup;
import io.tributary.hub.store.StoredBatch;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.apache.pulsar.client.impl.MessageIdImpl;
import org.junit.jupiter.api.Test;

/** The rules of a recovery's scan over what retention left of a topic (the reading itself is in the ITs). */
class TopicScanTest {
    private static final ProducerKey PRODUCER = new ProducerKey("agent", "lane", 1);
    private static final String TOPIC = "persistent://t/n/s.shard-0";

    private long entry;

    private static StoredBatch batch(long base, int records, long producerFirst) {
        return new StoredBatch(
                base,
                records,
                0,
                1000 + base,
                0,
                0,
                PRODUCER,
                producerFirst,
                producerFirst + records - 1,
                ByteBuffer.wrap(new byte[10]));
    }

    private void add(TopicScan scan, StoredBatch b) throws IOException {
        scan.batch(TOPIC, new MessageIdImpl(1, entry++, -1), b);
    }

    private void trim(TopicScan scan, long oldest, long next) throws IOException {
        scan.trim(TOPIC, new MessageIdImpl(1, entry++, -1), new BatchMessages.Trim(oldest, next));
    }

    @Test
    void aTopicWhoseFirstRetainedBatchIsAbove0StartsThere_butAGapInsideIsRefused() throws IOException {
        TopicScan scan = new TopicScan(4);
        add(scan, batch(120, 3, 40));
        add(scan, batch(123, 2, 43));
        add(scan, batch(120, 3, 40)); // a resent copy
        scan.finish();

        assertThat(scan.next).isEqualTo(125);
        assertThat(scan.index.base(0)).isEqualTo(120);
        assertThat(scan.copies).isEqualTo(1);
        assertThatThrownBy(() -> add(scan, batch(126, 1, 45)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("sequence gap")
                .hasMessageContaining("starts at 126, expected 125");
    }

    @Test
    void theNewestTrimMarkerSaysWhereTheShardStartsAndBatchesBelowItLeaveTheIndex_butNotTheProducerRuns()
            throws IOException {
        TopicScan scan = new TopicScan(4);
        add(scan, batch(10, 5, 0)); // in a ledger Pulsar kept: below the horizon
        add(scan, batch(15, 5, 5));
        trim(scan, 15, 20);
        add(scan, batch(20, 5, 10));
        scan.finish();

        assertThat(scan.horizon).isEqualTo(15);
        assertThat(scan.index.size()).isEqualTo(2);
        assertThat(scan.index.base(0)).isEqualTo(15);
        assertThat(scan.next).isEqualTo(25);
        assertThat(scan.runs.lookup(PRODUCER, 0, 4).outcome()).isEqualTo(ProducerLookup.Outcome.DUPLICATE);
        assertThat(scan.index.retainFrom()).isEqualTo(new MessageIdImpl(1, 1, -1));
    }

    @Test
    void aTopicWhoseBatchesWereAllTrimmedGoesOnWhereItsTrimMarkerSays() throws IOException {
        TopicScan scan = new TopicScan(4);
        trim(scan, 300, 300);
        scan.finish();

        assertThat(scan.next).isEqualTo(300);
        assertThat(scan.index.size()).isZero();
        assertThat(scan.index.retainFrom()).isEqualTo(new MessageIdImpl(1, 0, -1));

        TopicScan empty = new TopicScan(4);
        empty.finish();
        assertThat(empty.next).as("a topic never written").isZero();
    }

    @Test
    void aTrimMarkerThatDisagreesWithTheBatchesBeforeItIsRefused() throws IOException {
        TopicScan scan = new TopicScan(4);
        add(scan, batch(10, 5, 0));
        assertThatThrownBy(() -> trim(scan, 15, 18))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("says the next sequence is 18, the batches before it end at 15");
        TopicScan after = new TopicScan(4);
        trim(after, 15, 15);
        assertThatThrownBy(() -> add(after, batch(16, 1, 0))).hasMessageContaining("sequence gap");
    }
}
