package io.tributary.hub.store.pulsar;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.pulsar.client.api.MessageId;
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
}
