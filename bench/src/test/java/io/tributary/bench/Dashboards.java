package io.tributary.bench;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.tributary.protocol.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The Grafana dashboards of {@code deploy/grafana/dashboards/}, read as plain JSON trees (maps, lists, strings,
 * numbers, booleans, null), and the metric names their PromQL queries use. Stateless.
 */
final class Dashboards {
    static final Path DIR = Path.of("../deploy/grafana/dashboards");
    static final Path DATASOURCES = Path.of("../deploy/grafana/provisioning/datasources");

    /** A PromQL query of a dashboard: a panel target's {@code expr} or a template variable's selector. */
    record Query(String dashboard, String where, String expr) {}

    private static final Pattern LABEL_VALUES =
            Pattern.compile("^\\s*label_values\\((.*),\\s*[a-zA-Z_]\\w*\\s*\\)\\s*$");
    private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`");
    private static final Pattern BRACES = Pattern.compile("\\{[^{}]*}|\\[[^\\[\\]]*]");
    private static final Pattern GROUPING =
            Pattern.compile("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^()]*\\)");
    private static final Pattern TOKEN =
            Pattern.compile("\\$\\{?\\w+(?::[^}]*)?}?|\\d(?:[eE][+-]|[\\w.])*|([a-zA-Z_:][a-zA-Z0-9_:]*)(\\s*\\()?");
    private static final Set<String> KEYWORDS = Set.of(
            "and",
            "or",
            "unless",
            "by",
            "without",
            "on",
            "ignoring",
            "group_left",
            "group_right",
            "offset",
            "bool",
            "inf",
            "nan",
            "atan2");

    private Dashboards() {}

    /** The dashboard files, by name, parsed. */
    static Map<String, Map<String, Object>> load() {
        Map<String, Map<String, Object>> out = new LinkedHashMap<>();
        try (Stream<Path> files = Files.list(DIR)) {
            for (Path f :
                    files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                out.put(f.getFileName().toString(), object(parse(Files.readString(f, StandardCharsets.UTF_8)), f));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** Every panel of a dashboard, those nested in (collapsed) rows included. */
    static List<Map<String, Object>> panels(Map<String, Object> dashboard) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Object p : list(dashboard.get("panels"))) {
            Map<String, Object> panel = object(p, "panel");
            out.add(panel);
            for (Object nested : list(panel.get("panels"))) {
                out.add(object(nested, "panel"));
            }
        }
        return out;
    }

    /** The template variables of a dashboard ({@code templating.list}). */
    static List<Map<String, Object>> variables(Map<String, Object> dashboard) {
        Object templating = dashboard.get("templating");
        if (templating == null) {
            return List.of();
        }
        return list(object(templating, "templating").get("list")).stream()
                .map(v -> object(v, "variable"))
                .toList();
    }

    /** Every query of every dashboard: panel targets ({@code expr}) and query variables' selectors. */
    static List<Query> queries(Map<String, Map<String, Object>> dashboards) {
        List<Query> out = new ArrayList<>();
        dashboards.forEach((file, d) -> {
            for (Map<String, Object> panel : panels(d)) {
                for (Object t : list(panel.get("targets"))) {
                    Object expr = object(t, "target").get("expr");
                    if (expr instanceof String s) {
                        out.add(new Query(file, "panel '" + panel.get("title") + "'", s));
                    }
                }
            }
            for (Map<String, Object> v : variables(d)) {
                if ("query".equals(v.get("type"))) {
                    out.add(new Query(file, "variable '" + v.get("name") + "'", selector(variableQuery(v))));
                }
            }
        });
        return out;
    }

    /** The query text of a query variable (Grafana stores it as a string or as an object with a query field). */
    static String variableQuery(Map<String, Object> variable) {
        Object q = variable.get("query");
        if (q instanceof Map<?, ?> m) {
            q = m.get("query");
        }
        if (!(q instanceof String s)) {
            throw new IllegalArgumentException("variable " + variable.get("name") + " has no query");
        }
        return s;
    }

    /** {@code label_values(selector, label)} -> {@code selector}; anything else is not supported here. */
    static String selector(String variableQuery) {
        Matcher m = LABEL_VALUES.matcher(variableQuery);
        if (!m.matches()) {
            throw new IllegalArgumentException("not label_values(selector, label): " + variableQuery);
        }
        return m.group(1);
    }

    /**
     * The metric names a PromQL expression selects: identifiers that are not functions (followed by a parenthesis),
     * keywords, label names (inside braces or a by/without/on/ignoring/group_x list), string contents, durations,
     * numbers or Grafana variables.
     */
    static Set<String> metricNames(String expr) {
        String s = STRING.matcher(expr).replaceAll("\"\"");
        s = GROUPING.matcher(s).replaceAll(" ");
        String before;
        do { // label matchers and range/subquery brackets, innermost first
            before = s;
            s = BRACES.matcher(s).replaceAll(" ");
        } while (!s.equals(before));
        Set<String> names = new LinkedHashSet<>();
        Matcher m = TOKEN.matcher(s);
        while (m.find()) {
            String name = m.group(1);
            if (name != null && m.group(2) == null && !KEYWORDS.contains(name.toLowerCase(java.util.Locale.ROOT))) {
                names.add(name);
            }
        }
        return names;
    }

    /** The Grafana variables ({@code $x}, {@code ${x}}, {@code ${x:fmt}}, {@code [[x]]}) a text refers to. */
    static Set<String> variablesUsed(String text) {
        Set<String> out = new LinkedHashSet<>();
        Matcher m = Pattern.compile("\\$\\{(\\w+)(?::[^}]*)?}|\\$(\\w+)|\\[\\[(\\w+)(?::[^]]*)?]]")
                .matcher(text);
        while (m.find()) {
            out.add(m.group(1) != null ? m.group(1) : m.group(2) != null ? m.group(2) : m.group(3));
        }
        return out;
    }

    /** The {@code uid}s of the provisioned datasources (the files keep one {@code uid:} line per datasource). */
    static Set<String> provisionedDatasourceUids() {
        Set<String> uids = new LinkedHashSet<>();
        Pattern uid = Pattern.compile("(?m)^\\s+uid:\\s*\"?([\\w-]+)\"?\\s*$");
        try (Stream<Path> files = Files.list(DATASOURCES)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).toList()) {
                Matcher m = uid.matcher(Files.readString(f, StandardCharsets.UTF_8));
                while (m.find()) {
                    uids.add(m.group(1));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return uids;
    }

    /** A strict JSON reader (one value, nothing after it): objects as ordered maps, arrays as lists. */
    static Object parse(String json) {
        try (JsonParser p = Json.FACTORY.createParser(json)) {
            Object value = value(p, p.nextToken());
            if (p.nextToken() != null) {
                throw new IllegalArgumentException("trailing content after the JSON value");
            }
            return value;
        } catch (IOException e) {
            throw new IllegalArgumentException("not valid JSON: " + e.getMessage(), e);
        }
    }

    private static Object value(JsonParser p, JsonToken t) throws IOException {
        if (t == null) {
            throw new IllegalArgumentException("no JSON value");
        }
        switch (t) {
            case START_OBJECT -> {
                Map<String, Object> m = new LinkedHashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String key = p.currentName();
                    if (m.put(key, value(p, p.nextToken())) != null) {
                        throw new IllegalArgumentException("duplicate key '" + key + "'");
                    }
                }
                return m;
            }
            case START_ARRAY -> {
                List<Object> l = new ArrayList<>();
                for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
                    l.add(value(p, e));
                }
                return l;
            }
            case VALUE_STRING -> {
                return p.getText();
            }
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> {
                return p.getNumberValue();
            }
            case VALUE_TRUE -> {
                return true;
            }
            case VALUE_FALSE -> {
                return false;
            }
            case VALUE_NULL -> {
                return null;
            }
            default -> throw new IllegalArgumentException("unexpected " + t);
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> object(Object o, Object what) {
        if (!(o instanceof Map<?, ?>)) {
            throw new IllegalArgumentException(what + ": not a JSON object");
        }
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    static List<Object> list(Object o) {
        if (o == null) {
            return List.of();
        }
        if (!(o instanceof List<?>)) {
            throw new IllegalArgumentException("not a JSON array: " + o);
        }
        return (List<Object>) o;
    }
}
