package io.tributary.edge.aggregate;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Per topic-filter aggregation rules, first match wins; a topic no rule matches is forwarded raw.
 *
 * <p>Written as one string (the config is a flat key/value map): {@code FILTER=MODE[:WINDOW]} entries separated by
 * {@code ';'}, e.g. {@code sensors/#=window:60s;alarms/#=raw;tributary/+/+/power=both:10s}. MODE is {@code raw}
 * (forward every record), {@code window} (tumbling-window aggregates only) or {@code both}; WINDOW is a number with
 * {@code ms}, {@code s}, {@code m} or {@code h}, required for window and both.
 *
 * <p>Immutable and thread-safe.
 */
public final class AggregationRules {

    /** What a rule does with a matching record. */
    public enum Mode {
        RAW,
        WINDOW,
        BOTH
    }

    /** One rule. */
    public record Rule(TopicFilter filter, Mode mode, Duration window) {}

    private static final Pattern ENTRY = Pattern.compile("(.+)=(raw|window|both)(?::(\\d+)(ms|s|m|h))?");

    private final List<Rule> rules;

    private AggregationRules(List<Rule> rules) {
        this.rules = List.copyOf(rules);
    }

    public static AggregationRules none() {
        return new AggregationRules(List.of());
    }

    /** Parses the rule string; every bad entry is named in the exception's message. */
    public static AggregationRules parse(String text) {
        List<Rule> out = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (String raw : text.split(";")) {
            String entry = raw.strip();
            if (entry.isEmpty()) {
                continue;
            }
            Matcher m = ENTRY.matcher(entry);
            if (!m.matches()) {
                problems.add("'" + entry + "' is not FILTER=raw|window:DURATION|both:DURATION");
                continue;
            }
            Mode mode = Mode.valueOf(m.group(2).toUpperCase(Locale.ROOT));
            Duration window = Duration.ZERO;
            if (m.group(3) != null) {
                long n = Long.parseLong(m.group(3));
                window = switch (m.group(4)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    default -> Duration.ofHours(n);
                };
            }
            if (mode != Mode.RAW && window.toMillis() < 1) {
                problems.add("'" + entry + "' needs a window, e.g. " + m.group(1) + "=" + m.group(2) + ":60s");
                continue;
            }
            try {
                out.add(new Rule(TopicFilter.parse(m.group(1).strip()), mode, window));
            } catch (IllegalArgumentException e) {
                problems.add(e.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
        return new AggregationRules(out);
    }

    /** The first rule matching the topic; empty means raw. */
    public Optional<Rule> match(String topic) {
        for (Rule r : rules) {
            if (r.filter().matches(topic)) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }

    public List<Rule> rules() {
        return rules;
    }

    public boolean isEmpty() {
        return rules.isEmpty();
    }
}
