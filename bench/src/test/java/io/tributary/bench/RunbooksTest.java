package io.tributary.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.hub.cli.AdminMain;
import io.tributary.hub.cli.ConsumeMain;
import io.tributary.protocol.cli.Cli;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The runbooks of docs/operations.md name only what exists: every metric is in the generated metrics reference, every
 * panel is in its dashboard, every alert is a rule, every {@code ./tributary admin|consume} command line parses with
 * the real CLI, every link inside the page reaches a heading; and each failure mode F1–F7 has its parts.
 */
class RunbooksTest {
    private static final Pattern METRIC = Pattern.compile("\\btributary_[a-z0-9_]*[a-z0-9]");
    private static final Pattern PANEL = Pattern.compile("\\*(Executive|On-call|Debug)\\*\\s+›\\s+\"([^\"]+)\"");
    private static final Pattern ALERT = Pattern.compile("`(Tributary[A-Z]\\w+)`");
    /** A command line in a bash block (up to a comment) or inline in backticks. */
    private static final Pattern COMMAND =
            Pattern.compile("(?m)(?:^\\s*|`)\\./tributary (admin|consume) ([^`\\n]*?)(?:\\s+#.*)?(?:`|$)");

    private static final Pattern LINK = Pattern.compile("]\\(#([^)]+)\\)");
    private static final Map<String, Supplier<Object>> CLIS =
            Map.of("admin", AdminMain::new, "consume", ConsumeMain::new);

    private final String doc = OperationsDoc.text();

    @Test
    void failureModes_f1ToF7_eachHasSymptomWhereItShowsCommandsAndAFix() {
        for (int f = 1; f <= 7; f++) {
            String section = section("### F" + f + ": ");
            assertThat(section).as("F%d", f).contains("**Symptom:**", "**Shows in:**", "**Fix:**", "```bash");
            assertThat(METRIC.matcher(section).find())
                    .as("F%d names a metric", f)
                    .isTrue();
            assertThat(PANEL.matcher(section).find()).as("F%d names a panel", f).isTrue();
        }
    }

    @Test
    void everyMetricNamed_isInTheMetricsReference() throws Exception {
        String reference = Files.readString(Path.of("../docs/metrics.md"), StandardCharsets.UTF_8);
        Set<String> exported = new TreeSet<>();
        Matcher row = Pattern.compile("(?m)^\\| `(tributary_[a-z0-9_]+)` \\|").matcher(reference);
        while (row.find()) {
            exported.add(row.group(1));
        }
        assertThat(exported).hasSizeGreaterThan(50);
        // Series born on their first event are not in the generated table (a scrape without the event lacks them);
        // the reference lists them by name above it.
        Matcher firstUse = METRIC.matcher(reference.substring(0, reference.indexOf("## Reference")));
        while (firstUse.find()) {
            exported.add(firstUse.group());
        }
        Matcher m = METRIC.matcher(doc);
        while (m.find()) {
            String base = m.group().replaceFirst("_(bucket|sum|count|max)$", "");
            assertThat(exported)
                    .as("metric %s in docs/operations.md", m.group())
                    .contains(base);
        }
    }

    @Test
    void everyPanelNamed_isInItsDashboard() {
        Map<String, Set<String>> titles = new java.util.HashMap<>();
        Dashboards.load().values().forEach(d -> {
            String name = String.valueOf(d.get("title")).replaceFirst("^.*/\\s*", "");
            Dashboards.panels(d)
                    .forEach(p ->
                            titles.computeIfAbsent(name, k -> new TreeSet<>()).add(String.valueOf(p.get("title"))));
        });
        assertThat(titles).containsKeys("Executive", "On-call", "Debug");
        Matcher m = PANEL.matcher(doc);
        int named = 0;
        while (m.find()) {
            named++;
            assertThat(titles.get(m.group(1)))
                    .as("panels of %s", m.group(1))
                    .contains(m.group(2).replaceAll("\\s+", " "));
        }
        assertThat(named).isGreaterThan(7);
    }

    @Test
    void everyAlertNamed_isARule() throws Exception {
        List<String> rules = AlertRunbooksTest.alerts();
        Matcher m = ALERT.matcher(doc);
        while (m.find()) {
            assertThat(rules).as("alert %s", m.group(1)).contains(m.group(1));
        }
    }

    @Test
    void everyAdminAndConsumeCommandLine_parsesWithTheRealCli() {
        Matcher m = COMMAND.matcher(doc);
        List<String> tried = new ArrayList<>();
        while (m.find()) {
            String line = m.group(2).replaceAll("\\b(HUB|HOME|REPLICA|OLDHOME|A)(?=:\\d)", "127.0.0.1");
            String[] args = Arrays.stream(line.split("\\s+"))
                    .map(a -> a.replaceAll("^['\"]|['\"]$", ""))
                    .toArray(String[]::new);
            // parseArgs throws on an unknown command, option or missing parameter: the line is what the CLI takes
            Cli.commandLine(m.group(1), CLIS.get(m.group(1)).get()).parseArgs(args);
            tried.add(m.group(1) + " " + line);
        }
        assertThat(tried).as("command lines in docs/operations.md").hasSizeGreaterThan(10);
    }

    @Test
    void everyLinkInsideThePage_reachesAHeading() {
        Set<String> anchors = OperationsDoc.anchors();
        Matcher m = LINK.matcher(doc);
        while (m.find()) {
            assertThat(anchors).as("link #%s", m.group(1)).contains(m.group(1));
        }
    }

    /** From a heading that starts with {@code prefix} to the next heading of level 2 or 3 (bash comments start with #). */
    private String section(String prefix) {
        int start = doc.indexOf("\n" + prefix);
        assertThat(start).as("a heading %s", prefix).isNotNegative();
        Matcher next = Pattern.compile("\n#{2,3} ").matcher(doc);
        int end = next.find(start + 1) ? next.start() : -1;
        return doc.substring(start, end < 0 ? doc.length() : end);
    }
}
