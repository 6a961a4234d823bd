package io.tributary.protocol.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Resolves configuration keys from, in rising precedence: defaults, a YAML file, environment variables, and
 * command-line overrides. Typed getters collect problems instead of failing at the first one; call {@link
 * #validate()} at the end to throw a {@link ConfigException} listing all of them. Not thread-safe; used once at start.
 *
 * <p>The YAML file is a flat map of keys to scalars (nested maps are flattened with dots, so {@code tls: {cert: x}}
 * is key {@code tls.cert}). Unknown keys are errors, so a typo is never silently ignored.
 */
public final class ConfigValues {
    private final Map<String, ConfigKey> keys = new LinkedHashMap<>();
    private final Map<String, String> values = new LinkedHashMap<>();
    private final Map<String, String> origins = new LinkedHashMap<>();
    private final List<String> problems = new ArrayList<>();

    private ConfigValues(List<ConfigKey> schema) {
        for (ConfigKey k : schema) {
            keys.put(k.name(), k);
            if (!k.defaultValue().isEmpty()) {
                values.put(k.name(), k.defaultValue());
                origins.put(k.name(), "default");
            }
        }
    }

    /**
     * @param schema the keys this process understands
     * @param file optional YAML file
     * @param env environment (usually {@code System.getenv()})
     * @param envPrefix e.g. {@code TRIBUTARY_HUB_}
     * @param overrides values given on the command line (key name to value); null values are ignored
     */
    public static ConfigValues resolve(
            List<ConfigKey> schema,
            Optional<Path> file,
            Map<String, String> env,
            String envPrefix,
            Map<String, String> overrides) {
        ConfigValues c = new ConfigValues(schema);
        file.ifPresent(c::loadFile);
        for (ConfigKey k : schema) {
            String v = env.get(k.envName(envPrefix));
            if (v != null) {
                c.set(k.name(), v, "environment " + k.envName(envPrefix));
            }
        }
        overrides.forEach((k, v) -> {
            if (v != null) {
                c.set(k, v, "command line");
            }
        });
        return c;
    }

    private void loadFile(Path file) {
        if (!Files.isRegularFile(file)) {
            problems.add("config file " + file + " does not exist or is not a file");
            return;
        }
        LoaderOptions options = new LoaderOptions();
        options.setMaxAliasesForCollections(10);
        options.setCodePointLimit(1 << 20);
        try (Reader r = Files.newBufferedReader(file)) {
            Object doc = new Yaml(new SafeConstructor(options)).load(r);
            if (doc == null) {
                return;
            }
            if (!(doc instanceof Map<?, ?> map)) {
                problems.add(file + ": expected a map of keys to values at the top level");
                return;
            }
            flatten("", map, file);
        } catch (IOException | YAMLException e) {
            problems.add(
                    "cannot read config file " + file + ": " + e.getMessage().replace('\n', ' '));
        }
    }

    private void flatten(String prefix, Map<?, ?> map, Path file) {
        for (Map.Entry<?, ?> e : map.entrySet()) {
            String key = prefix + e.getKey();
            if (e.getValue() instanceof Map<?, ?> nested) {
                flatten(key + ".", nested, file);
            } else if (e.getValue() instanceof List<?>) {
                problems.add(file + ": key '" + key + "' must be a single value, not a list");
            } else {
                set(key, e.getValue() == null ? "" : String.valueOf(e.getValue()), file.toString());
            }
        }
    }

    private void set(String key, String value, String origin) {
        if (!keys.containsKey(key)) {
            problems.add("unknown key '" + key + "' (from " + origin + ")");
            return;
        }
        values.put(key, value);
        origins.put(key, origin);
    }

    public Optional<String> string(String key) {
        require(key);
        return Optional.ofNullable(values.get(key)).filter(s -> !s.isEmpty());
    }

    public String string(String key, String fallback) {
        return string(key).orElse(fallback);
    }

    public Optional<Path> path(String key) {
        return string(key).map(Path::of);
    }

    public int integer(String key) {
        long v = longValue(key);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            problem(key, "is out of range");
            return 0;
        }
        return (int) v;
    }

    public long longValue(String key) {
        String s = string(key).orElse("0");
        try {
            return Long.parseLong(s.trim().replace("_", ""));
        } catch (NumberFormatException e) {
            problem(key, "must be a whole number, got '" + s + "'");
            return 0;
        }
    }

    public boolean bool(String key) {
        String s = string(key).orElse("false").trim().toLowerCase(Locale.ROOT);
        return switch (s) {
            case "true", "yes", "on", "1" -> true;
            case "false", "no", "off", "0" -> false;
            default -> {
                problem(key, "must be true or false, got '" + s + "'");
                yield false;
            }
        };
    }

    /** A size such as {@code 1048576}, {@code 512KiB}, {@code 64MiB}, {@code 2GiB} (also KB/MB/GB as binary units). */
    public long size(String key) {
        String s = string(key).orElse("0").trim();
        try {
            return Sizes.parse(s);
        } catch (IllegalArgumentException e) {
            problem(key, e.getMessage());
            return 0;
        }
    }

    /** A duration such as {@code 500ms}, {@code 30s}, {@code 5m}, {@code 2h}, {@code 7d} or ISO-8601 {@code PT30S}. */
    public Duration duration(String key) {
        String s = string(key).orElse("0s").trim();
        try {
            return Durations.parse(s);
        } catch (IllegalArgumentException e) {
            problem(key, e.getMessage());
            return Duration.ZERO;
        }
    }

    /** A whole number from {@code min} to {@code max}, both included. */
    public int integer(String key, int min, int max) {
        int v = integer(key);
        if (v < min || v > max) {
            problem(key, "must be " + min + ".." + max);
        }
        return v;
    }

    /** A port to listen on: 0 (any free one) to 65535. */
    public int port(String key) {
        return integer(key, 0, 65535);
    }

    /** A port that -1 turns off: -1, or 0 (any free one) to 65535. */
    public int portOrOff(String key) {
        int v = integer(key);
        if (v < -1 || v > 65535) {
            problem(key, "must be -1 (off) or 0..65535");
        }
        return v;
    }

    /** A {@linkplain #size size} from {@code min} to {@code max} bytes, both included. */
    public long size(String key, long min, long max) {
        long v = size(key);
        if (v < min || v > max) {
            problem(key, "must be between " + Sizes.format(min) + " and " + Sizes.format(max));
        }
        return v;
    }

    /** A {@linkplain #size size} of at least {@code min} bytes. */
    public long sizeAtLeast(String key, long min) {
        long v = size(key);
        if (v < min) {
            problem(key, "must be at least " + Sizes.format(min));
        }
        return v;
    }

    /** A {@linkplain #duration duration} of at least {@code min}. */
    public Duration durationAtLeast(String key, Duration min) {
        Duration v = duration(key);
        if (v.compareTo(min) < 0) {
            problem(key, "must be at least " + Durations.format(min));
        }
        return v;
    }

    /**
     * A {@linkplain #duration duration} above zero. Less than a millisecond, the finest unit the duration syntax
     * names, counts as zero.
     */
    public Duration positiveDuration(String key) {
        Duration v = duration(key);
        if (v.toMillis() < 1) {
            problem(key, "must be positive");
        }
        return v;
    }

    /** A {@linkplain #duration duration} of zero or more. */
    public Duration nonNegativeDuration(String key) {
        Duration v = duration(key);
        if (v.isNegative()) {
            problem(key, "must not be negative");
        }
        return v;
    }

    /** A {@linkplain #path path} that, when set, must name an existing regular file. */
    public Optional<Path> existingFile(String key) {
        Optional<Path> p = path(key);
        p.filter(f -> !Files.isRegularFile(f)).ifPresent(f -> problem(key, "file " + f + " does not exist"));
        return p;
    }

    /**
     * Checks that two keys that only work together, such as a certificate and its private key, are both set or
     * both unset.
     *
     * @return true when they are; false (and a problem recorded against {@code first}) when only one is set
     */
    public boolean bothOrNeither(String first, String second) {
        if (string(first).isPresent() != string(second).isPresent()) {
            problem(first, "and " + second + " must be set together");
            return false;
        }
        return true;
    }

    public <E extends Enum<E>> E enumValue(String key, Class<E> type) {
        String s = string(key).orElse("").trim();
        for (E e : type.getEnumConstants()) {
            if (e.name().equalsIgnoreCase(s.replace('-', '_'))) {
                return e;
            }
        }
        problem(key, "must be one of " + keys.get(key).type() + ", got '" + s + "'");
        return type.getEnumConstants()[0];
    }

    /** Records a problem found while validating a key's value. */
    public void problem(String key, String message) {
        problems.add(key + " " + message + " (from " + origins.getOrDefault(key, "default") + ")");
    }

    /** Throws a {@link ConfigException} listing every problem, if there is any. */
    public void validate() {
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
    }

    private void require(String key) {
        if (!keys.containsKey(key)) {
            throw new IllegalArgumentException("no such config key in the schema: " + key);
        }
    }

    /** Renders a schema as a Markdown table, for {@code docs/configuration.md}. */
    public static String markdown(List<ConfigKey> schema, String envPrefix) {
        StringBuilder sb =
                new StringBuilder("| key | type | default | environment | meaning |\n|---|---|---|---|---|\n");
        for (ConfigKey k : schema) {
            sb.append("| `")
                    .append(k.name())
                    .append("` | ")
                    .append(k.type().replace("|", "\\|"))
                    .append(" | ")
                    .append(k.defaultValue().isEmpty() ? "(unset)" : "`" + k.defaultValue() + "`")
                    .append(" | `")
                    .append(k.envName(envPrefix))
                    .append("` | ")
                    .append(k.doc())
                    .append(" |\n");
        }
        return sb.toString();
    }
}
