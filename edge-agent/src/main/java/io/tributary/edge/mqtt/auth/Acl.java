package io.tributary.edge.mqtt.auth;

import io.tributary.edge.mqtt.pubsub.TopicFilters;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Topic ACLs of the MQTT listener, per identity and per group, for publish and subscribe separately. Loaded from YAML
 * by {@link AclFile}; once an ACL is configured, whatever no rule allows is denied.
 *
 * <p>Rules are MQTT topic filters that may hold placeholders, replaced per connection ({@link #permissions}):
 * {@code {device}} the {@link Identity} (user name or certificate name, never the client's claim), {@code {group}}
 * a group the identity is a member of (one filter per group; in a group's own rules, that group), {@code
 * {client-id}} the client identifier. A filter whose placeholder has no value, or whose value is empty or holds
 * {@code /}, {@code +}, {@code #} or U+0000 (which would widen the filter), is left out for that connection.
 *
 * <p>Which rules apply: those of the identity ({@code identities}), of every group it is a member of ({@code groups}),
 * and {@code everyone}'s; an anonymous connection gets only {@code anonymous}'s. Immutable and thread-safe.
 */
public final class Acl {

    static final Set<String> PLACEHOLDERS = Set.of("{device}", "{group}", "{client-id}");

    /** The publish and subscribe filters of one section. */
    record Rules(List<String> publish, List<String> subscribe) {
        static final Rules NONE = new Rules(List.of(), List.of());

        Rules {
            publish = List.copyOf(publish);
            subscribe = List.copyOf(subscribe);
        }
    }

    private final Map<String, Rules> identities;
    private final Map<String, Rules> groups;
    private final Map<String, Set<String>> groupsOf;
    private final Rules everyone;
    private final Rules anonymous;

    Acl(
            Map<String, Rules> identities,
            Map<String, Rules> groups,
            Map<String, List<String>> members,
            Rules everyone,
            Rules anonymous) {
        this.identities = Map.copyOf(identities);
        this.groups = Map.copyOf(groups);
        Map<String, Set<String>> of = new LinkedHashMap<>();
        members.forEach((group, names) -> names.forEach(
                name -> of.computeIfAbsent(name, n -> new LinkedHashSet<>()).add(group)));
        this.groupsOf = Map.copyOf(of);
        this.everyone = everyone;
        this.anonymous = anonymous;
    }

    /** The groups {@code identity} is a member of, in file order. */
    public Set<String> groupsOf(String identity) {
        return groupsOf.getOrDefault(identity, Set.of());
    }

    /** What a connection of {@code identity} with {@code clientId} may do, placeholders replaced. */
    public Permissions permissions(Identity identity, String clientId) {
        List<String> publish = new ArrayList<>();
        List<String> subscribe = new ArrayList<>();
        if (identity.anonymous()) {
            expand(anonymous, null, null, clientId, publish, subscribe);
            return Permissions.of(publish, subscribe);
        }
        String device = identity.name();
        Set<String> memberOf = groupsOf(device);
        List<Rules> general = new ArrayList<>(List.of(everyone));
        if (identities.containsKey(device)) {
            general.add(identities.get(device));
        }
        for (Rules rules : general) {
            if (memberOf.isEmpty()) {
                expand(rules, device, null, clientId, publish, subscribe);
            }
            for (String group : memberOf) {
                expand(rules, device, group, clientId, publish, subscribe);
            }
        }
        for (String group : memberOf) {
            expand(groups.getOrDefault(group, Rules.NONE), device, group, clientId, publish, subscribe);
        }
        return Permissions.of(distinct(publish), distinct(subscribe));
    }

    private static void expand(
            Rules rules, String device, String group, String clientId, List<String> publish, List<String> subscribe) {
        for (String filter : rules.publish()) {
            String concrete = substitute(filter, device, group, clientId);
            if (concrete != null) {
                publish.add(concrete);
            }
        }
        for (String filter : rules.subscribe()) {
            String concrete = substitute(filter, device, group, clientId);
            if (concrete != null) {
                subscribe.add(concrete);
            }
        }
    }

    /** The filter with its placeholders replaced, or null when one has no safe value. */
    static String substitute(String filter, String device, String group, String clientId) {
        String out = filter;
        out = replace(out, "{device}", device);
        out = out == null ? null : replace(out, "{group}", group);
        out = out == null ? null : replace(out, "{client-id}", clientId);
        return out;
    }

    private static String replace(String filter, String placeholder, String value) {
        if (!filter.contains(placeholder)) {
            return filter;
        }
        return safeLevelValue(value) ? filter.replace(placeholder, value) : null;
    }

    /** A value that fits in one topic level without widening a filter. */
    static boolean safeLevelValue(String value) {
        if (value == null || value.isEmpty()) {
            return false;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '/' || c == '+' || c == '#' || c == '\u0000') {
                return false;
            }
        }
        return true;
    }

    /**
     * Checks a rule filter as written in the file: a valid MQTT topic filter (no shared subscription) once each
     * placeholder is replaced by a plain level, and no {@code {...}} but the known placeholders.
     *
     * @throws IllegalArgumentException saying what is wrong
     */
    static void validateRule(String filter) {
        String probe = filter;
        for (String placeholder : PLACEHOLDERS) {
            probe = probe.replace(placeholder, "x");
        }
        if (probe.indexOf('{') >= 0 || probe.indexOf('}') >= 0) {
            throw new IllegalArgumentException(
                    "'" + filter + "': unknown placeholder; use {device}, {group} or {client-id}");
        }
        if (TopicFilters.parse(probe).group() != null) {
            throw new IllegalArgumentException("'" + filter + "': a rule is a topic filter, not a shared subscription");
        }
    }

    private static List<String> distinct(List<String> filters) {
        return List.copyOf(new LinkedHashSet<>(filters));
    }

    /** A sentence for the start-up log. */
    public String summary() {
        return identities.size() + " identities, " + groups.size() + " groups with rules, " + groupsOf.size()
                + " group members";
    }
}
