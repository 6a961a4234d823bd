package io.tributary.protocol.config;

import java.util.Objects;

/**
 * One documented configuration key: its name in files and flags (kebab-case), type, default and one line of doc.
 * {@code docs/configuration.md} is generated from these.
 *
 * @param name key as written in YAML files and {@code --name} flags
 * @param type one of {@code string}, {@code int}, {@code long}, {@code bool}, {@code path}, {@code duration}, {@code
 *     size} or an enumeration written as {@code a|b|c}
 * @param defaultValue the value when nothing sets it; empty string for "unset"
 * @param doc one line of documentation
 */
public record ConfigKey(String name, String type, String defaultValue, String doc) {
    public ConfigKey {
        Objects.requireNonNull(name);
        Objects.requireNonNull(type);
        Objects.requireNonNull(defaultValue);
        Objects.requireNonNull(doc);
    }

    /** The environment variable that overrides this key, e.g. {@code TRIBUTARY_HUB_DATA_DIR}. */
    public String envName(String prefix) {
        return prefix
                + name.toUpperCase(java.util.Locale.ROOT).replace('-', '_').replace('.', '_');
    }
}
