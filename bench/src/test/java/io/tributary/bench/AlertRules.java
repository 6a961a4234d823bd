package io.tributary.bench;

import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What the alert rules file names, read line by line (the file keeps each expr on one line). Stateless. */
final class AlertRules {
    private static final Pattern EXPR = Pattern.compile("(?m)^\\s*expr:\\s*(.*)$");
    private static final Pattern METRIC = Pattern.compile("\\btributary_[a-z0-9_]+");

    private AlertRules() {}

    /** The metric names in the {@code expr:} lines of {@code yaml} (comments after {@code #} ignored). */
    static Set<String> metricsNamed(String yaml) {
        Set<String> named = new TreeSet<>();
        Matcher e = EXPR.matcher(yaml);
        while (e.find()) {
            String expr = e.group(1);
            int comment = expr.indexOf(" #");
            Matcher m = METRIC.matcher(comment < 0 ? expr : expr.substring(0, comment));
            while (m.find()) {
                named.add(m.group());
            }
        }
        return named;
    }
}
