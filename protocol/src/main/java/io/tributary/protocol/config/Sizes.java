package io.tributary.protocol.config;

import java.util.Locale;

/** Parses byte sizes with binary units: {@code 4096}, {@code 512KiB}, {@code 64MB}, {@code 2GiB}, {@code 1TiB}. */
public final class Sizes {
    private Sizes() {}

    public static long parse(String text) {
        String s = text.trim().toUpperCase(Locale.ROOT).replace("_", "").replace(" ", "");
        long unit = 1;
        String[][] units = {{"TIB", "TB", "T"}, {"GIB", "GB", "G"}, {"MIB", "MB", "M"}, {"KIB", "KB", "K"}, {"B"}};
        long[] factors = {1L << 40, 1L << 30, 1L << 20, 1L << 10, 1};
        outer:
        for (int i = 0; i < units.length; i++) {
            for (String u : units[i]) {
                if (s.endsWith(u)) {
                    unit = factors[i];
                    s = s.substring(0, s.length() - u.length());
                    break outer;
                }
            }
        }
        try {
            long n = Long.parseLong(s);
            if (n < 0) {
                throw new IllegalArgumentException("must not be negative, got '" + text + "'");
            }
            return Math.multiplyExact(n, unit);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("must be a size such as 4096, 512KiB or 64MiB, got '" + text + "'");
        }
    }

    /**
     * Writes a size the way {@link #parse} reads it, in the largest binary unit that divides it exactly: {@code
     * 1KiB}, {@code 256MiB}, {@code 1536} for 1.5KiB.
     */
    public static String format(long bytes) {
        String[] units = {"TiB", "GiB", "MiB", "KiB"};
        for (int i = 0; i < units.length; i++) {
            long factor = 1L << (10 * (units.length - i));
            if (bytes != 0 && bytes % factor == 0) {
                return bytes / factor + units[i];
            }
        }
        return Long.toString(bytes);
    }
}
