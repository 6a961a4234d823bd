package io.tributary.edge.mqtt.auth;

import io.tributary.edge.mqtt.pubsub.TopicFilters;
import java.util.List;

/**
 * What one connection may publish to and subscribe to: the topic filters of its ACL rules with every placeholder
 * already replaced ({@link Acl#permissions}). A publish is allowed when its topic matches one publish filter; a
 * subscription when every topic its filter can match is matched by one subscribe filter ({@link #covers}), so a
 * subscription never reaches beyond the rules, whatever wildcards it uses. Immutable and thread-safe.
 */
public final class Permissions {

    /** No ACL configured: everything allowed, as before ACLs existed. */
    public static final Permissions ALL = new Permissions(List.of("#"), List.of("#"), true);

    private final List<String> publish;
    private final List<String> subscribe;
    private final boolean unrestricted;

    private Permissions(List<String> publish, List<String> subscribe, boolean unrestricted) {
        this.publish = List.copyOf(publish);
        this.subscribe = List.copyOf(subscribe);
        this.unrestricted = unrestricted;
    }

    static Permissions of(List<String> publish, List<String> subscribe) {
        return new Permissions(publish, subscribe, false);
    }

    /** Whether the topic name (no wildcards) may be published to. */
    public boolean mayPublish(String topic) {
        if (unrestricted) {
            return true;
        }
        for (String filter : publish) {
            if (TopicFilters.matches(filter, topic)) {
                return true;
            }
        }
        return false;
    }

    /** Whether the (valid, non-shared: pass the part after {@code $share/<name>/}) filter may be subscribed to. */
    public boolean maySubscribe(String filter) {
        if (unrestricted) {
            return true;
        }
        for (String allowed : subscribe) {
            if (covers(allowed, filter)) {
                return true;
            }
        }
        return false;
    }

    /** The publish filters, placeholders replaced (for logs and tests). */
    public List<String> publishFilters() {
        return publish;
    }

    /** The subscribe filters, placeholders replaced (for logs and tests). */
    public List<String> subscribeFilters() {
        return subscribe;
    }

    /**
     * Whether every topic {@code filter} matches is matched by {@code allowed} (both valid filters). Level by level:
     * {@code #} in {@code allowed} covers the rest; {@code +} covers one level that is not {@code #}; a literal only
     * itself. A filter that ends where {@code allowed} goes on is covered only by a final {@code /#} (which also
     * matches its parent). A wildcard first level of {@code allowed} never covers a {@code $} topic (MQTT 5 §4.7.2).
     */
    static boolean covers(String allowed, String filter) {
        String[] a = allowed.split("/", -1);
        String[] f = filter.split("/", -1);
        if (f[0].startsWith("$") && (a[0].equals("#") || a[0].equals("+"))) {
            return false;
        }
        for (int i = 0; i < a.length; i++) {
            if (a[i].equals("#")) {
                return true;
            }
            if (i >= f.length) {
                return false;
            }
            if (a[i].equals("+")) {
                if (f[i].equals("#")) {
                    return false;
                }
            } else if (!a[i].equals(f[i])) {
                return false;
            }
        }
        return f.length == a.length;
    }

    @Override
    public String toString() {
        return unrestricted ? "Permissions[all]" : "Permissions[publish=" + publish + ", subscribe=" + subscribe + "]";
    }
}
