package io.tributary.hub.store.pulsar;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.pulsar.client.api.MessageId;
import org.apache.pulsar.client.impl.MessageIdImpl;
import org.junit.jupiter.api.Test;

class SequenceIndexTest {
    @Test
    void findsTheBatchHoldingASequenceAndTheFirstAppendedAtATime() {
        SequenceIndex index = new SequenceIndex();
        // 100 batches (more than the initial capacity) of 1..3 records, two per millisecond from t=1000.
        long base = 10;
        for (int i = 0; i < 100; i++) {
            index.add(base, 1 + i % 3, 1000 + i / 2, 50 + i, MessageId.earliest);
            base += 1 + i % 3;
        }
        assertThat(index.size()).isEqualTo(100);
        assertThat(index.bytes()).isEqualTo(100 * 50 + 4950);
        assertThat(index.containing(10)).isZero();
        assertThat(index.containing(11)).isEqualTo(1);
        assertThat(index.containing(12)).isEqualTo(1); // batch 1 holds 11..12
        assertThat(index.containing(13)).isEqualTo(2);
        assertThat(index.containing(base - 1)).isEqualTo(99);

        assertThat(index.firstAppendedAtOrAfter(0)).isZero();
        assertThat(index.firstAppendedAtOrAfter(1000)).isZero();
        assertThat(index.firstAppendedAtOrAfter(1001)).isEqualTo(2);
        assertThat(index.firstAppendedAtOrAfter(1049)).isEqualTo(98);
        assertThat(index.firstAppendedAtOrAfter(1050)).isEqualTo(100);
    }

    @Test
    void retentionDropsTheOldestBatchesAndTheArraysShrinkWithThem() {
        SequenceIndex index = new SequenceIndex();
        for (int i = 0; i < 1000; i++) {
            index.add(i * 2L, 2, 1000 + i, 10, new MessageIdImpl(7, i, -1));
        }
        int grown = index.capacity();
        assertThat(index.retainFrom()).as("never trimmed: nothing to release").isNull();

        SequenceIndex.Dropped dropped = index.trimmed(1500, new MessageIdImpl(8, 0, -1));

        assertThat(dropped).isEqualTo(new SequenceIndex.Dropped(750, 1500, 7500));
        assertThat(index.size()).isEqualTo(250);
        assertThat(index.base(0)).isEqualTo(1500);
        assertThat(index.bytes()).isEqualTo(2500);
        assertThat(index.containing(1501)).isZero();
        assertThat(index.firstAppendedAtOrAfter(0)).isZero();
        assertThat(index.capacity()).as("memory follows what is retained").isLessThan(grown / 2);
        // The first retained batch comes before the marker in the topic: Pulsar keeps the topic from there.
        assertThat(index.retainFrom()).isEqualTo(new MessageIdImpl(7, 750, -1));

        assertThat(index.trimmed(2000, new MessageIdImpl(8, 1, -1)).batches()).isEqualTo(250);
        assertThat(index.size()).isZero();
        assertThat(index.bytes()).isZero();
        // All trimmed: the marker, which says where the sequences go on, is what Pulsar must keep.
        assertThat(index.retainFrom()).isEqualTo(new MessageIdImpl(8, 1, -1));
        index.add(2000, 1, 5000, 10, new MessageIdImpl(8, 2, -1));
        assertThat(index.retainFrom()).isEqualTo(new MessageIdImpl(8, 1, -1));
        assertThat(index.dropBelow(2000).batches()).isZero();
    }
}
