package io.tributary.edge.aggregate;

import java.util.Objects;

/**
 * An MQTT topic filter: levels split by {@code '/'}, {@code +} matches exactly one level, a final {@code #} matches
 * the parent level and any number of levels below. Immutable and thread-safe.
 */
public final class TopicFilter {
    private final String filter;
    private final String[] levels;

    private TopicFilter(String filter) {
        this.filter = filter;
        this.levels = filter.split("/", -1);
    }

    /** Parses a filter; {@code #} must be the last level and {@code +}/{@code #} must fill their level. */
    public static TopicFilter parse(String filter) {
        Objects.requireNonNull(filter, "filter");
        if (filter.isEmpty()) {
            throw new IllegalArgumentException("topic filter is empty");
        }
        String[] levels = filter.split("/", -1);
        for (int i = 0; i < levels.length; i++) {
            String l = levels[i];
            if ((l.contains("+") && !l.equals("+")) || (l.contains("#") && !l.equals("#"))) {
                throw new IllegalArgumentException("topic filter '" + filter + "': a wildcard must fill its level");
            }
            if (l.equals("#") && i != levels.length - 1) {
                throw new IllegalArgumentException("topic filter '" + filter + "': '#' must be the last level");
            }
        }
        return new TopicFilter(filter);
    }

    public boolean matches(String topic) {
        String[] t = topic.split("/", -1);
        for (int i = 0; i < levels.length; i++) {
            if (levels[i].equals("#")) {
                return true;
            }
            if (i >= t.length) {
                return false;
            }
            if (!levels[i].equals("+") && !levels[i].equals(t[i])) {
                return false;
            }
        }
        return t.length == levels.length;
    }

    @Override
    public String toString() {
        return filter;
    }
}
