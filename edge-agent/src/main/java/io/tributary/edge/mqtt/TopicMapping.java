package io.tributary.edge.mqtt;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Maps an MQTT topic name to a device group, a device id and a metric, following a template such as the default
 * {@value #DEFAULT_TEMPLATE}.
 *
 * <p>Template grammar: levels separated by {@code '/'}; each level is either a literal or exactly one of the
 * placeholders {@code {group}}, {@code {device}}, {@code {metric}}; the last level may instead be
 * {@code {metric...}}, which matches one or more topic levels joined again by {@code '/'}. Each placeholder appears
 * exactly once. Placeholders match non-empty levels only; literals match exactly (case-sensitive).
 *
 * <p>Immutable and thread-safe.
 */
public final class TopicMapping {

    /** The template used when none is configured. */
    public static final String DEFAULT_TEMPLATE = "tributary/{group}/{device}/{metric...}";

    /** The parts of a topic that matched the template. */
    public record Match(String group, String device, String metric) {
        public Match {
            Objects.requireNonNull(group, "group");
            Objects.requireNonNull(device, "device");
            Objects.requireNonNull(metric, "metric");
        }
    }

    private enum Kind {
        LITERAL,
        GROUP,
        DEVICE,
        METRIC,
        METRIC_REST
    }

    private record Level(Kind kind, String literal) {}

    private final String template;
    private final List<Level> levels;

    private TopicMapping(String template, List<Level> levels) {
        this.template = template;
        this.levels = List.copyOf(levels);
    }

    /** The mapping for {@link #DEFAULT_TEMPLATE}. */
    public static TopicMapping defaultMapping() {
        return parse(DEFAULT_TEMPLATE);
    }

    /**
     * Parses a template.
     *
     * @throws IllegalArgumentException with a message naming the template and the offending level
     */
    public static TopicMapping parse(String template) {
        if (template == null || template.isBlank()) {
            throw new IllegalArgumentException("topic template is empty; expected e.g. " + DEFAULT_TEMPLATE);
        }
        String[] parts = template.split("/", -1);
        List<Level> levels = new ArrayList<>(parts.length);
        for (int i = 0; i < parts.length; i++) {
            Level level = parseLevel(template, parts[i], i, i == parts.length - 1);
            if (level.kind() != Kind.LITERAL && levels.stream().anyMatch(l -> sameSlot(l.kind(), level.kind()))) {
                throw error(template, i, parts[i], "placeholder appears more than once");
            }
            levels.add(level);
        }
        for (Kind required : List.of(Kind.GROUP, Kind.DEVICE, Kind.METRIC)) {
            if (levels.stream().noneMatch(l -> sameSlot(l.kind(), required))) {
                throw new IllegalArgumentException("topic template '" + template + "' lacks the {"
                        + required.name().toLowerCase(java.util.Locale.ROOT) + "} placeholder");
            }
        }
        return new TopicMapping(template, levels);
    }

    private static Level parseLevel(String template, String part, int index, boolean last) {
        if (part.isEmpty()) {
            throw error(template, index, part, "empty level");
        }
        if (part.contains("+") || part.contains("#")) {
            throw error(template, index, part, "wildcards '+' and '#' are not allowed");
        }
        boolean open = part.indexOf('{') >= 0;
        boolean close = part.indexOf('}') >= 0;
        if (!open && !close) {
            return new Level(Kind.LITERAL, part);
        }
        if (!part.startsWith("{") || !part.endsWith("}") || part.indexOf('{', 1) >= 0) {
            throw error(template, index, part, "a placeholder must fill the whole level, e.g. {device}");
        }
        String name = part.substring(1, part.length() - 1);
        switch (name) {
            case "group":
                return new Level(Kind.GROUP, null);
            case "device":
                return new Level(Kind.DEVICE, null);
            case "metric":
                return new Level(Kind.METRIC, null);
            case "metric...":
                if (!last) {
                    throw error(template, index, part, "{metric...} must be the last level");
                }
                return new Level(Kind.METRIC_REST, null);
            default:
                throw error(
                        template, index, part, "unknown placeholder; use {group}, {device}, {metric} or {metric...}");
        }
    }

    private static boolean sameSlot(Kind a, Kind b) {
        boolean aMetric = a == Kind.METRIC || a == Kind.METRIC_REST;
        boolean bMetric = b == Kind.METRIC || b == Kind.METRIC_REST;
        return a == b || (aMetric && bMetric);
    }

    private static IllegalArgumentException error(String template, int index, String part, String why) {
        return new IllegalArgumentException(
                "topic template '" + template + "', level " + (index + 1) + " '" + part + "': " + why);
    }

    /** Matches a topic name; empty when the topic does not fit the template. Scans once, without splitting. */
    public Optional<Match> match(String topic) {
        if (topic == null || topic.isEmpty()) {
            return Optional.empty();
        }
        String group = null;
        String device = null;
        String metric = null;
        int start = 0;
        for (int i = 0; i < levels.size(); i++) {
            if (start > topic.length()) {
                return Optional.empty(); // fewer levels than the template
            }
            Level level = levels.get(i);
            if (level.kind() == Kind.METRIC_REST) {
                metric = topic.substring(start);
                if (metric.isEmpty() || metric.startsWith("/") || metric.endsWith("/") || metric.contains("//")) {
                    return Optional.empty(); // an empty level
                }
                start = topic.length() + 1;
                break;
            }
            int end = topic.indexOf('/', start);
            if (end < 0) {
                end = topic.length();
            }
            if (level.kind() == Kind.LITERAL) {
                String literal = level.literal();
                if (end - start != literal.length() || !topic.startsWith(literal, start)) {
                    return Optional.empty();
                }
            } else {
                if (end == start) {
                    return Optional.empty();
                }
                String part = topic.substring(start, end);
                switch (level.kind()) {
                    case GROUP -> group = part;
                    case DEVICE -> device = part;
                    case METRIC -> metric = part;
                    default -> throw new IllegalStateException("unreachable");
                }
            }
            start = end + 1;
        }
        if (start <= topic.length()) {
            return Optional.empty(); // more levels than the template
        }
        return Optional.of(new Match(group, device, metric));
    }

    /** The template this mapping was parsed from. */
    public String template() {
        return template;
    }

    @Override
    public String toString() {
        return "TopicMapping[" + template + "]";
    }
}
