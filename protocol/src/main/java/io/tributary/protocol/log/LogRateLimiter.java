package io.tributary.protocol.log;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.event.Level;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * Log lines that a peer can cause — one per bad packet, refused connection or malformed batch — limited so that a
 * hostile or broken client cannot flood the log: per category at most {@code linesPerWindow} lines in each {@code
 * window}; the rest are suppressed and counted ({@code onSuppressed}, a metric), and the next line of the category
 * that is written carries {@code suppressed=N}, the lines left out since the previous one.
 *
 * <p>Categories are fixed at construction (a small set named by the caller, e.g. {@code connect_refused}), so the
 * memory and the metric's series are bounded whatever peers send. Hand-written rather than Logback's {@code
 * DuplicateMessageFilter}: that one drops repetitions for good and counts nothing, and the operator must see both the
 * first lines of a flood and how big it was.
 *
 * <p>Thread-safe: Netty event loops call it; each category's window is a short {@code synchronized} section that never
 * blocks on anything else.
 */
public final class LogRateLimiter {
    /** The default budget: enough to see a problem's variety, few enough that a flood is a few lines a minute. */
    public static final int DEFAULT_LINES = 10;

    public static final Duration DEFAULT_WINDOW = Duration.ofMinutes(1);

    private final int linesPerWindow;
    private final long windowNanos;
    private final LongSupplier nanoTime;
    private final Consumer<String> onSuppressed;
    private final Map<String, Window> windows;

    /**
     * @param categories every category a caller will name
     * @param onSuppressed called with the category of each suppressed line (count it)
     */
    public LogRateLimiter(
            Set<String> categories,
            int linesPerWindow,
            Duration window,
            LongSupplier nanoTime,
            Consumer<String> onSuppressed) {
        if (linesPerWindow < 1 || window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("need at least one line per positive window");
        }
        this.linesPerWindow = linesPerWindow;
        this.windowNanos = window.toNanos();
        this.nanoTime = nanoTime;
        this.onSuppressed = onSuppressed;
        Map<String, Window> w = new LinkedHashMap<>();
        for (String c : categories) {
            w.put(c, new Window());
        }
        this.windows = Map.copyOf(w);
    }

    /** {@link #DEFAULT_LINES} per {@link #DEFAULT_WINDOW}, on {@link System#nanoTime()}. */
    public static LogRateLimiter withDefaults(Set<String> categories, Consumer<String> onSuppressed) {
        return new LogRateLimiter(categories, DEFAULT_LINES, DEFAULT_WINDOW, System::nanoTime, onSuppressed);
    }

    /** The categories, e.g. to register their counters at zero. */
    public Set<String> categories() {
        return windows.keySet();
    }

    /**
     * Writes {@code format} with {@code args} at {@code level} (a trailing Throwable argument is the cause, as in
     * SLF4J) unless the category's budget is spent; adds {@code suppressed=N} when lines were left out before it.
     *
     * @return whether the line was written (false also when the level is off)
     */
    public boolean log(Logger log, Level level, String category, String format, Object... args) {
        return log(log, level, category, Map.of(), format, args);
    }

    /** ... with key-value pairs (the {@link Correlation} ids of the batch a line is about). */
    public boolean log(
            Logger log, Level level, String category, Map<String, ?> keyValues, String format, Object... args) {
        if (!log.isEnabledForLevel(level)) {
            return false;
        }
        long skipped = acquire(category);
        if (skipped < 0) {
            return false;
        }
        LoggingEventBuilder e = log.atLevel(level).setMessage(format);
        for (int i = 0; i < args.length; i++) {
            if (i == args.length - 1 && args[i] instanceof Throwable t) {
                e = e.setCause(t);
            } else {
                e = e.addArgument(args[i]);
            }
        }
        e = Correlation.addTo(e, keyValues);
        if (skipped > 0) {
            e = e.addKeyValue("suppressed", skipped);
        }
        e.log();
        return true;
    }

    public boolean warn(Logger log, String category, String format, Object... args) {
        return log(log, Level.WARN, category, format, args);
    }

    public boolean info(Logger log, String category, String format, Object... args) {
        return log(log, Level.INFO, category, format, args);
    }

    /** -1: suppress (counted); otherwise the lines suppressed in this category since the last one written. */
    long acquire(String category) {
        Window w = windows.get(category);
        if (w == null) {
            throw new IllegalArgumentException("unknown log category " + category + "; known: " + windows.keySet());
        }
        long now = nanoTime.getAsLong();
        long result;
        synchronized (w) {
            if (now - w.start >= windowNanos || !w.started) {
                w.started = true;
                w.start = now;
                w.written = 0;
            }
            if (w.written < linesPerWindow) {
                w.written++;
                result = w.suppressed;
                w.suppressed = 0;
            } else {
                w.suppressed++;
                result = -1;
            }
        }
        if (result < 0) {
            onSuppressed.accept(category);
        }
        return result;
    }

    /** One category's fixed window; guarded by its own monitor. */
    private static final class Window {
        boolean started;
        long start;
        int written;
        long suppressed;
    }
}
