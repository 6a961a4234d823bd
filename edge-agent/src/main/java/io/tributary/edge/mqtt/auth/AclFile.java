package io.tributary.edge.mqtt.auth;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Reads an {@link Acl} from a YAML file ({@code mqtt.acl-file}), the format of the edge's config file:
 *
 * <pre>
 * groups:                       # group name: its members and the rules they all get ({group} = this group)
 *   plant-1:
 *     members: [press-7, press-8]
 *     publish: ["tributary/{group}/{device}/#"]
 *     subscribe: ["local/{group}/#"]
 * identities:                   # rules of one identity
 *   dashboard:
 *     subscribe: ["tributary/#"]
 * everyone:                     # rules of every identity ({group}: each of its groups)
 *   subscribe: ["local/broadcast/#"]
 * anonymous:                    # rules of connections without identity (mqtt.allow-anonymous); none by default
 *   publish: []
 * </pre>
 *
 * Every section is optional; an unknown key, a filter that is not a valid MQTT topic filter or an unknown
 * placeholder is an error naming where it is, and all errors are reported at once. Stateless.
 */
public final class AclFile {

    private static final Set<String> TOP = Set.of("groups", "identities", "everyone", "anonymous");
    private static final Set<String> RULE_KEYS = Set.of("publish", "subscribe");
    private static final Set<String> GROUP_KEYS = Set.of("members", "publish", "subscribe");

    private final Path file;
    private final List<String> errors = new ArrayList<>();

    private AclFile(Path file) {
        this.file = file;
    }

    /**
     * Loads and validates an ACL file.
     *
     * @throws IllegalArgumentException listing every problem
     * @throws IOException when the file cannot be read
     */
    public static Acl load(Path file) throws IOException {
        Object doc;
        LoaderOptions options = new LoaderOptions();
        options.setMaxAliasesForCollections(10);
        options.setCodePointLimit(4 << 20);
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            doc = new Yaml(new SafeConstructor(options)).load(r);
        } catch (YAMLException e) {
            throw new IllegalArgumentException(
                    "ACL file " + file + " is no valid YAML: " + e.getMessage().replace('\n', ' '));
        }
        return new AclFile(file).parse(doc);
    }

    private Acl parse(Object doc) {
        Map<String, Object> top = map(doc == null ? Map.of() : doc, "the top level", TOP);
        Map<String, Acl.Rules> groups = new LinkedHashMap<>();
        Map<String, List<String>> members = new LinkedHashMap<>();
        map(top.getOrDefault("groups", Map.of()), "groups", null).forEach((name, value) -> {
            Map<String, Object> group = map(value, "groups." + name, GROUP_KEYS);
            members.put(name, strings(group.get("members"), "groups." + name + ".members", false));
            groups.put(name, rules(group, "groups." + name));
        });
        Map<String, Acl.Rules> identities = new LinkedHashMap<>();
        map(top.getOrDefault("identities", Map.of()), "identities", null)
                .forEach((name, value) ->
                        identities.put(name, rules(map(value, "identities." + name, RULE_KEYS), "identities." + name)));
        Acl.Rules everyone = rules(map(top.getOrDefault("everyone", Map.of()), "everyone", RULE_KEYS), "everyone");
        Acl.Rules anonymous = rules(map(top.getOrDefault("anonymous", Map.of()), "anonymous", RULE_KEYS), "anonymous");
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException("bad ACL file " + file + ": " + String.join("; ", errors));
        }
        return new Acl(identities, groups, members, everyone, anonymous);
    }

    private Acl.Rules rules(Map<String, Object> section, String where) {
        return new Acl.Rules(
                strings(section.get("publish"), where + ".publish", true),
                strings(section.get("subscribe"), where + ".subscribe", true));
    }

    private Map<String, Object> map(Object value, String where, Set<String> allowedKeys) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (value == null) {
            return out;
        }
        if (!(value instanceof Map<?, ?> raw)) {
            errors.add(where + ": expected a map");
            return out;
        }
        raw.forEach((k, v) -> {
            String key = String.valueOf(k);
            if (allowedKeys != null && !allowedKeys.contains(key)) {
                errors.add(where + ": unknown key '" + key + "' (expected one of " + allowedKeys + ")");
            } else {
                out.put(key, v);
            }
        });
        return out;
    }

    private List<String> strings(Object value, String where, boolean filters) {
        List<String> out = new ArrayList<>();
        if (value == null) {
            return out;
        }
        if (!(value instanceof List<?> list)) {
            errors.add(where + ": expected a list, e.g. [\"a/#\"]");
            return out;
        }
        for (Object item : list) {
            String s = String.valueOf(item);
            try {
                if (filters) {
                    Acl.validateRule(s);
                } else if (s.isEmpty()) {
                    throw new IllegalArgumentException("empty name");
                }
                out.add(s);
            } catch (IllegalArgumentException e) {
                errors.add(where + ": " + e.getMessage());
            }
        }
        return out;
    }
}
