package io.tributary.hub.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class HashRangeTest {

    private static final BigInteger SPACE = BigInteger.ONE.shiftLeft(64);

    static IntStream counts() {
        return IntStream.concat(IntStream.rangeClosed(1, 70), IntStream.of(97, 127, 128, 255, 1000, 1023, 1024));
    }

    @ParameterizedTest
    @MethodSource("counts")
    void splitEvenly_anyCount_contiguousDisjointAndCoversWholeSpace(int count) {
        List<HashRange> ranges = HashRange.splitEvenly(count);

        assertThat(ranges).hasSize(count);
        assertThat(ranges.get(0).start()).isZero();
        assertThat(ranges.get(count - 1).end()).isEqualTo(0xFFFFFFFFFFFFFFFFL);
        BigInteger total = BigInteger.ZERO;
        BigInteger min = null;
        BigInteger max = null;
        for (int i = 0; i < count; i++) {
            HashRange r = ranges.get(i);
            if (i > 0) {
                assertThat(r.start()).isEqualTo(ranges.get(i - 1).end() + 1);
            }
            BigInteger size = unsigned(r.end()).subtract(unsigned(r.start())).add(BigInteger.ONE);
            total = total.add(size);
            min = min == null ? size : min.min(size);
            max = max == null ? size : max.max(size);
        }
        assertThat(total).isEqualTo(SPACE);
        assertThat(max.subtract(min)).isLessThanOrEqualTo(BigInteger.ONE);
    }

    @Test
    void splitEvenly_one_isFullRange() {
        assertThat(HashRange.splitEvenly(1)).containsExactly(HashRange.FULL);
    }

    @Test
    void splitEvenly_zero_rejected() {
        assertThatThrownBy(() -> HashRange.splitEvenly(0))
                .isInstanceOfSatisfying(
                        StreamException.class, e -> assertThat(e.reason()).isEqualTo(StreamException.Reason.INVALID));
    }

    @Test
    void contains_highHashes_comparedUnsigned() {
        HashRange upper = new HashRange(0x8000000000000000L, -1L);

        assertThat(upper.contains(-1L)).isTrue();
        assertThat(upper.contains(Long.MIN_VALUE)).isTrue();
        assertThat(upper.contains(Long.MAX_VALUE)).isFalse();
        assertThat(upper.contains(0L)).isFalse();
    }

    @Test
    void constructor_startAfterEndUnsigned_rejected() {
        assertThatThrownBy(() -> new HashRange(-1L, 0L)).isInstanceOf(StreamException.class);
    }

    @Test
    void midpoint_fullRange_isTwoToThe63() {
        assertThat(HashRange.FULL.midpoint()).isEqualTo(Long.MIN_VALUE);
        assertThat(HashRange.FULL.splitAt(HashRange.FULL.midpoint()))
                .containsExactly(new HashRange(0L, Long.MAX_VALUE), new HashRange(Long.MIN_VALUE, -1L));
    }

    @Test
    void midpoint_twoHashes_splitsIntoSingles() {
        HashRange r = new HashRange(5, 6);

        assertThat(r.splitAt(r.midpoint())).containsExactly(new HashRange(5, 5), new HashRange(6, 6));
    }

    @Test
    void midpoint_singleHash_rejected() {
        assertThatThrownBy(() -> new HashRange(7, 7).midpoint()).isInstanceOf(StreamException.class);
    }

    @Test
    void splitAt_outsideOrAtStart_rejected() {
        HashRange r = new HashRange(10, 20);

        assertThatThrownBy(() -> r.splitAt(10)).isInstanceOf(StreamException.class);
        assertThatThrownBy(() -> r.splitAt(21)).isInstanceOf(StreamException.class);
        assertThat(r.splitAt(20)).containsExactly(new HashRange(10, 19), new HashRange(20, 20));
    }

    @Test
    void union_adjacentEitherOrder_coversBoth() {
        HashRange low = new HashRange(0, 9);
        HashRange high = new HashRange(10, -1L);

        assertThat(low.union(high)).isEqualTo(HashRange.FULL);
        assertThat(high.union(low)).isEqualTo(HashRange.FULL);
    }

    @Test
    void union_gapOrOverlapOrWrap_rejectedAsNotAdjacent() {
        HashRange first = new HashRange(0, 9);

        assertThat(first.isAdjacentTo(new HashRange(11, 20))).isFalse();
        assertThat(first.isAdjacentTo(new HashRange(9, 20))).isFalse();
        // The top of the space does not wrap around to 0.
        assertThat(new HashRange(100, -1L).isAdjacentTo(first)).isFalse();
        assertThat(first.isAdjacentTo(new HashRange(100, -1L))).isFalse();
        assertThatThrownBy(() -> first.union(new HashRange(11, 20)))
                .isInstanceOfSatisfying(
                        StreamException.class,
                        e -> assertThat(e.reason()).isEqualTo(StreamException.Reason.NOT_ADJACENT));
    }

    private static BigInteger unsigned(long v) {
        return new BigInteger(Long.toUnsignedString(v));
    }
}
