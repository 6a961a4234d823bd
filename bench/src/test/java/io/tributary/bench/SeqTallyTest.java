package io.tributary.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class SeqTallyTest {

    @Test
    void inOrderOnce_nothingMissingOrDuplicated() {
        SeqTally t = new SeqTally();
        for (int i = 0; i < 5; i++) {
            t.add("k0c1", "c1:" + i + ";ppp");
        }
        assertThat(t.missing(Map.of("k0c1", 5L))).isZero();
        assertThat(t.missing(Map.of("k0c1", 6L))).isEqualTo(1);
        assertThat(t.duplicates()).isZero();
        assertThat(t.outOfOrder()).isZero();
        assertThat(t.firstProblems()).isEmpty();
    }

    @Test
    void duplicateGapReorderAndUntagged_areEachCounted() {
        SeqTally t = new SeqTally();
        t.add("d", "c0:0;p");
        t.add("d", "c0:2;p");
        t.add("d", "c0:1;p"); // out of order
        t.add("d", "c0:2;p"); // duplicate (and not after the last)
        t.add("d", "{\"temp\":1}");
        assertThat(t.missing("d", 4)).isEqualTo(1); // #3 never arrived
        assertThat(t.missing("other", 2)).isEqualTo(2);
        assertThat(t.duplicates()).isEqualTo(1);
        assertThat(t.outOfOrder()).isEqualTo(2);
        assertThat(t.untagged()).isEqualTo(1);
        assertThat(t.firstProblems()).hasSize(4);
    }

    @Test
    void seqOf_parsesOnlyTheGeneratorsTag() {
        assertThat(SeqTally.seqOf("c12:345;pppp")).isEqualTo(345);
        assertThat(SeqTally.seqOf("c1:;p")).isEqualTo(-1);
        assertThat(SeqTally.seqOf("x1:2;p")).isEqualTo(-1);
        assertThat(SeqTally.seqOf("c1:2x;p")).isEqualTo(-1);
    }
}
