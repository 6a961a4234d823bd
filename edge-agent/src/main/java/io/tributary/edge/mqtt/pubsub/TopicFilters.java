package io.tributary.edge.mqtt.pubsub;

/**
 * MQTT topic filter rules (MQTT 3.1.1 and 5 §4.7): validation of filters a client subscribes with, the
 * {@code $share/<group>/<filter>} form of shared subscriptions, and matching a topic name against a filter. Stateless.
 */
public final class TopicFilters {

    /**
     * Longest filter accepted, in characters. MQTT allows 65,535 bytes; the edge keeps filters short enough that a
     * hostile client cannot make every publish walk thousands of levels.
     */
    public static final int MAX_FILTER_LENGTH = 1024;

    static final String SHARE_PREFIX = "$share/";

    /** A parsed filter: {@code group} is null for a plain subscription. */
    public record Parsed(String group, String filter) {}

    private TopicFilters() {}

    /**
     * Parses and validates what a client sent in SUBSCRIBE or UNSUBSCRIBE.
     *
     * @throws IllegalArgumentException naming the rule the filter breaks
     */
    public static Parsed parse(String raw) {
        if (raw == null || raw.isEmpty()) {
            throw new IllegalArgumentException("empty topic filter");
        }
        if (raw.length() > MAX_FILTER_LENGTH) {
            throw new IllegalArgumentException(
                    "topic filter of " + raw.length() + " characters, more than " + MAX_FILTER_LENGTH);
        }
        if (!raw.startsWith(SHARE_PREFIX)) {
            validate(raw);
            return new Parsed(null, raw);
        }
        int slash = raw.indexOf('/', SHARE_PREFIX.length());
        String group = slash < 0 ? raw.substring(SHARE_PREFIX.length()) : raw.substring(SHARE_PREFIX.length(), slash);
        if (group.isEmpty() || group.indexOf('+') >= 0 || group.indexOf('#') >= 0) {
            throw new IllegalArgumentException("shared subscription '" + raw + "' needs a share name without + or #");
        }
        if (slash < 0 || slash == raw.length() - 1) {
            throw new IllegalArgumentException("shared subscription '" + raw + "' has no topic filter");
        }
        String filter = raw.substring(slash + 1);
        validate(filter);
        return new Parsed(group, filter);
    }

    /** Checks {@code +} and {@code #} fill their level, {@code #} is last, and there is no U+0000. */
    static void validate(String filter) {
        int levelStart = 0;
        for (int i = 0; i <= filter.length(); i++) {
            if (i < filter.length() && filter.charAt(i) != '/') {
                char c = filter.charAt(i);
                if (c == '\u0000') {
                    throw new IllegalArgumentException("topic filter contains U+0000");
                }
                continue;
            }
            String level = filter.substring(levelStart, i);
            boolean wildcard = level.indexOf('+') >= 0 || level.indexOf('#') >= 0;
            if (wildcard && !level.equals("+") && !level.equals("#")) {
                throw new IllegalArgumentException(
                        "in '" + filter + "' a wildcard must fill its level: '" + level + "'");
            }
            if (level.equals("#") && i != filter.length()) {
                throw new IllegalArgumentException("in '" + filter + "' '#' must be the last level");
            }
            levelStart = i + 1;
        }
    }

    /** True when {@code filter} has no wildcard: it names one topic, found by a lookup rather than a scan. */
    public static boolean isTopicName(String filter) {
        return filter.indexOf('+') < 0 && filter.indexOf('#') < 0;
    }

    /**
     * Whether {@code topic} matches {@code filter} (both valid). A topic starting with {@code $} is not matched by a
     * filter whose first level is a wildcard (MQTT 5 §4.7.2).
     */
    public static boolean matches(String filter, String topic) {
        if (topic.startsWith("$") && (filter.startsWith("+") || filter.startsWith("#"))) {
            return false;
        }
        int f = 0;
        int t = 0;
        while (true) {
            int fEnd = filter.indexOf('/', f);
            if (fEnd < 0) fEnd = filter.length();
            String level = filter.substring(f, fEnd);
            if (level.equals("#")) {
                return true;
            }
            if (t > topic.length()) {
                return false; // the topic has fewer levels
            }
            int tEnd = topic.indexOf('/', t);
            if (tEnd < 0) tEnd = topic.length();
            if (!level.equals("+") && !topic.regionMatches(t, level, 0, Math.max(level.length(), tEnd - t))) {
                return false;
            }
            boolean filterDone = fEnd == filter.length();
            boolean topicDone = tEnd == topic.length();
            if (filterDone || topicDone) {
                // "a/#" also matches "a": the next filter level may be a final '#'
                return (filterDone && topicDone)
                        || (topicDone && filter.startsWith("#", fEnd + 1) && fEnd + 2 == filter.length());
            }
            f = fEnd + 1;
            t = tEnd + 1;
        }
    }
}
