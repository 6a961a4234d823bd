package io.tributary.hub.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Internal;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link Utf8Check} must agree with protobuf's own UTF-8 check, which is what a full parse applies. */
class Utf8CheckTest {

    private static void assertAgrees(byte[] b) {
        assertThat(Utf8Check.isValid(b, 0, b.length)).as(Arrays.toString(b)).isEqualTo(Internal.isValidUtf8(b));
    }

    @Test
    void everySequenceOfUpToThreeBytes_agreesWithProtobuf() {
        for (int a = 0; a < 256; a++) {
            assertAgrees(new byte[] {(byte) a});
            for (int b = 0; b < 256; b++) {
                assertAgrees(new byte[] {(byte) a, (byte) b});
                if (a >= 0xC0) { // a lead byte: every third byte too
                    for (int c = 0; c < 256; c++) {
                        assertAgrees(new byte[] {(byte) a, (byte) b, (byte) c});
                    }
                }
            }
        }
    }

    @Test
    void randomLongerSequences_andRangesInsideAnArray_agree() {
        Random rnd = new Random(20_261_205L);
        for (int n = 0; n < 200_000; n++) {
            byte[] b = new byte[1 + rnd.nextInt(8)];
            for (int i = 0; i < b.length; i++) {
                b[i] = (byte) (rnd.nextInt(4) == 0 ? rnd.nextInt(128) : 0x80 + rnd.nextInt(128));
            }
            assertAgrees(b);
        }
        byte[] framed = {(byte) 0xFF, 'a', (byte) 0xC3, (byte) 0xA9, (byte) 0xFF};
        assertThat(Utf8Check.isValid(framed, 1, 4)).isTrue();
        assertThat(Utf8Check.isValid(framed, 1, 3))
                .as("a lead byte cut off by the range's end")
                .isFalse();
        assertThat(Utf8Check.isValid(framed, 2, 2)).isTrue();
    }
}
