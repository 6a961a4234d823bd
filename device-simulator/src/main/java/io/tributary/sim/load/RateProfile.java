package io.tributary.sim.load;

/**
 * Target publish rate (messages per second, all devices together) as a function of the time since the load
 * phase started. Implementations are immutable and thread-safe.
 */
public sealed interface RateProfile {

    /** The target rate at {@code elapsedNanos} into the run; never negative. */
    double ratePerSecond(long elapsedNanos);

    /** A short description for summaries, e.g. {@code constant 1000/s}. */
    String describe();

    /** The same rate throughout. */
    record Constant(double rate) implements RateProfile {
        public Constant {
            requireRate(rate);
        }

        @Override
        public double ratePerSecond(long elapsedNanos) {
            return rate;
        }

        @Override
        public String describe() {
            return "constant " + rate + "/s";
        }
    }

    /** {@code rate} for {@code onNanos}, then silence for {@code offNanos}, repeating; starts with a burst. */
    record Bursty(double rate, long onNanos, long offNanos) implements RateProfile {
        public Bursty {
            requireRate(rate);
            if (onNanos <= 0 || offNanos < 0) {
                throw new IllegalArgumentException("bursty needs on > 0 and off >= 0");
            }
        }

        @Override
        public double ratePerSecond(long elapsedNanos) {
            return Math.floorMod(elapsedNanos, onNanos + offNanos) < onNanos ? rate : 0;
        }

        @Override
        public String describe() {
            return "bursty " + rate + "/s for " + onNanos / 1e9 + " s, off " + offNanos / 1e9 + " s";
        }
    }

    /** Linear from {@code from} to {@code to} over {@code overNanos}, then {@code to}. */
    record Ramp(double from, double to, long overNanos) implements RateProfile {
        public Ramp {
            requireRate(from);
            requireRate(to);
            if (overNanos <= 0) {
                throw new IllegalArgumentException("ramp needs a positive duration");
            }
        }

        @Override
        public double ratePerSecond(long elapsedNanos) {
            if (elapsedNanos >= overNanos) {
                return to;
            }
            return from + (to - from) * Math.max(0, elapsedNanos) / (double) overNanos;
        }

        @Override
        public String describe() {
            return "ramp " + from + "/s to " + to + "/s over " + overNanos / 1e9 + " s";
        }
    }

    private static void requireRate(double rate) {
        if (!(rate >= 0) || Double.isInfinite(rate)) {
            throw new IllegalArgumentException("rate must be a finite number >= 0: " + rate);
        }
    }
}
