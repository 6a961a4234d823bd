package io.tributary.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;

/** Metric families read from Prometheus text exposition, and the markdown table of docs/metrics.md. Stateless. */
final class MetricsTable {
    private MetricsTable() {}

    /** One family: its name, type, label names (without {@code le} and {@code quantile}), processes and HELP text. */
    record Family(String name, String type, Set<String> labels, Set<String> processes, String help) {}

    /** The families of {@code scrape} whose name passes {@code keep}, each marked as exported by {@code process}. */
    static List<Family> parse(String scrape, String process, Predicate<String> keep) {
        Map<String, String> types = new TreeMap<>();
        Map<String, String> helps = new TreeMap<>();
        Map<String, Set<String>> labels = new TreeMap<>();
        String current = null;
        for (String line : scrape.split("\n")) {
            if (line.startsWith("# HELP ") || line.startsWith("# TYPE ")) {
                String[] parts = line.substring(7).split(" ", 2);
                current = parts[0];
                String rest = parts.length > 1 ? parts[1].trim() : "";
                if (line.startsWith("# HELP ")) {
                    helps.put(current, rest.replace("\\n", " ").replace("\\\\", "\\"));
                } else {
                    types.put(current, rest);
                }
                labels.computeIfAbsent(current, k -> new TreeSet<>());
            } else if (!line.isBlank() && !line.startsWith("#") && current != null) {
                int open = line.indexOf('{');
                int close = line.lastIndexOf('}');
                if (open >= 0 && close > open) {
                    for (String pair : line.substring(open + 1, close).split(",(?=[a-zA-Z_][a-zA-Z0-9_]*=\")")) {
                        String label = pair.substring(0, pair.indexOf('=')).trim();
                        if (!label.isEmpty() && !label.equals("le") && !label.equals("quantile")) {
                            labels.get(current).add(label);
                        }
                    }
                }
            }
        }
        List<Family> out = new ArrayList<>();
        types.forEach((name, type) -> {
            String base = name.endsWith("_max") ? name.substring(0, name.length() - 4) : null;
            boolean timerMax =
                    base != null && ("histogram".equals(types.get(base)) || "summary".equals(types.get(base)));
            if (keep.test(name) && !timerMax) { // the _max gauge of each timer and summary: said once in the doc
                out.add(new Family(name, type, labels.get(name), Set.of(process), helps.getOrDefault(name, "")));
            }
        });
        return out;
    }

    /** Families of the same name from several scrapes as one (labels and processes united), sorted by name. */
    static List<Family> merge(List<Family> families) {
        Map<String, Family> byName = new TreeMap<>();
        for (Family f : families) {
            byName.merge(f.name(), f, (a, b) -> {
                Set<String> labels = new TreeSet<>(a.labels());
                labels.addAll(b.labels());
                Set<String> processes = new TreeSet<>(a.processes());
                processes.addAll(b.processes());
                return new Family(
                        a.name(), a.type(), labels, processes, a.help().isEmpty() ? b.help() : a.help());
            });
        }
        return new ArrayList<>(byName.values());
    }

    static String markdown(List<Family> families) {
        StringBuilder b = new StringBuilder();
        b.append("| Metric | Type | Labels | Process | Meaning |\n");
        b.append("|---|---|---|---|---|\n");
        for (Family f : families) {
            b.append("| `")
                    .append(f.name())
                    .append("` | ")
                    .append(f.type())
                    .append(" | ")
                    .append(String.join(
                            ", ", f.labels().stream().map(l -> "`" + l + "`").toList()))
                    .append(" | ")
                    .append(String.join(", ", new TreeSet<>(f.processes())))
                    .append(" | ")
                    .append(f.help().replace("|", "\\|"))
                    .append(" |\n");
        }
        return b.toString();
    }
}
