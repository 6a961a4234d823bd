package io.tributary.hub.ingest;

/**
 * Whether bytes are well-formed UTF-8 (Unicode 15, table 3-7: no overlong forms, no surrogates, nothing above
 * U+10FFFF) — what protobuf requires of a {@code string} field — checked in place, without making a String or a
 * ByteString. {@code Utf8CheckTest} holds it to protobuf's own check. Thread rules: stateless.
 */
final class Utf8Check {
    private Utf8Check() {}

    /** Whether {@code b[from, to)} is well-formed UTF-8. */
    static boolean isValid(byte[] b, int from, int to) {
        int i = from;
        while (i < to) {
            int c = b[i] & 0xFF;
            if (c < 0x80) {
                i++;
                continue;
            }
            int n;
            int lo = 0x80;
            int hi = 0xBF;
            if (c >= 0xC2 && c <= 0xDF) {
                n = 1;
            } else if (c >= 0xE0 && c <= 0xEF) {
                n = 2;
                if (c == 0xE0) {
                    lo = 0xA0;
                } else if (c == 0xED) {
                    hi = 0x9F;
                }
            } else if (c >= 0xF0 && c <= 0xF4) {
                n = 3;
                if (c == 0xF0) {
                    lo = 0x90;
                } else if (c == 0xF4) {
                    hi = 0x8F;
                }
            } else {
                return false;
            }
            if (to - i - 1 < n) { // fewer than n continuation bytes left
                return false;
            }
            int second = b[i + 1] & 0xFF;
            if (second < lo || second > hi) {
                return false;
            }
            for (int k = 2; k <= n; k++) {
                int cont = b[i + k] & 0xFF;
                if (cont < 0x80 || cont > 0xBF) {
                    return false;
                }
            }
            i += n + 1;
        }
        return true;
    }
}
