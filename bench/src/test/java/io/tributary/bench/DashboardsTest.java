package io.tributary.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The Grafana dashboards of {@code deploy/grafana/} hold together on their own: valid JSON, unique panel ids, every
 * panel on the provisioned datasource, every variable a query uses defined. That the metrics they query exist is
 * checked against live processes by {@code MetricsReferenceIT}.
 */
class DashboardsTest {
    private static final Set<String> GRAFANA_VARIABLES = Set.of(
            "__rate_interval", "__interval", "__interval_ms", "__range", "__range_s", "__range_ms", "__dashboard");

    private final Map<String, Map<String, Object>> dashboards = Dashboards.load();

    @Test
    void theThreeDashboards_areValidJsonWithUniqueUids() {
        assertThat(dashboards)
                .containsOnlyKeys("tributary-executive.json", "tributary-on-call.json", "tributary-debug.json");
        Set<Object> uids = new HashSet<>();
        dashboards.forEach((file, d) -> {
            assertThat(d.get("uid")).as("uid of %s", file).isInstanceOf(String.class);
            assertThat(d.get("title")).as("title of %s", file).isInstanceOf(String.class);
            assertThat(uids.add(d.get("uid"))).as("uid of %s is unique", file).isTrue();
        });
    }

    @Test
    void panelIds_areUniqueInEachDashboard() {
        List<String> problems = new ArrayList<>();
        dashboards.forEach((file, d) -> {
            Set<Object> ids = new HashSet<>();
            for (Map<String, Object> p : Dashboards.panels(d)) {
                if (!(p.get("id") instanceof Number)) {
                    problems.add(file + ": panel '" + p.get("title") + "' has no numeric id");
                } else if (!ids.add(p.get("id"))) {
                    problems.add(file + ": panel '" + p.get("title") + "' reuses id " + p.get("id"));
                }
            }
        });
        assertThat(problems).isEmpty();
    }

    @Test
    void everyPanelAndQuery_usesTheProvisionedDatasource() {
        Set<String> provisioned = Dashboards.provisionedDatasourceUids();
        assertThat(provisioned)
                .as("datasource uids in %s", Dashboards.DATASOURCES)
                .hasSize(1);
        String uid = provisioned.iterator().next();
        List<String> problems = new ArrayList<>();
        dashboards.forEach((file, d) -> {
            for (Map<String, Object> p : Dashboards.panels(d)) {
                if ("row".equals(p.get("type"))) {
                    continue;
                }
                String panel = file + ": panel '" + p.get("title") + "'";
                checkDatasource(p.get("datasource"), uid, panel, problems);
                List<Object> targets = Dashboards.list(p.get("targets"));
                if (targets.isEmpty()) {
                    problems.add(panel + " has no query");
                }
                for (Object t : targets) {
                    Map<String, Object> target = Dashboards.object(t, panel + " target");
                    if (!(target.get("expr") instanceof String e) || e.isBlank()) {
                        problems.add(panel + " has a target without expr");
                    }
                    if (target.containsKey("datasource")) {
                        checkDatasource(target.get("datasource"), uid, panel + " target", problems);
                    }
                }
            }
            for (Map<String, Object> v : Dashboards.variables(d)) {
                if ("query".equals(v.get("type"))) {
                    checkDatasource(v.get("datasource"), uid, file + ": variable '" + v.get("name") + "'", problems);
                }
            }
        });
        assertThat(problems).isEmpty();
    }

    @Test
    void everyVariableAQueryOrTitleUses_isDefined() {
        List<String> problems = new ArrayList<>();
        dashboards.forEach((file, d) -> {
            Set<String> defined = new TreeSet<>(GRAFANA_VARIABLES);
            Dashboards.variables(d).forEach(v -> defined.add(String.valueOf(v.get("name"))));
            List<String[]> texts = new ArrayList<>();
            for (Map<String, Object> p : Dashboards.panels(d)) {
                texts.add(new String[] {"panel '" + p.get("title") + "' title", String.valueOf(p.get("title"))});
                for (Object t : Dashboards.list(p.get("targets"))) {
                    Object expr = Dashboards.object(t, "target").get("expr");
                    texts.add(new String[] {"panel '" + p.get("title") + "'", String.valueOf(expr)});
                }
            }
            for (Map<String, Object> v : Dashboards.variables(d)) {
                if ("query".equals(v.get("type"))) {
                    texts.add(new String[] {"variable '" + v.get("name") + "'", Dashboards.variableQuery(v)});
                }
            }
            for (String[] t : texts) {
                for (String used : Dashboards.variablesUsed(t[1])) {
                    if (!defined.contains(used)) {
                        problems.add(file + ": " + t[0] + " uses $" + used + ", not a variable of the dashboard");
                    }
                }
            }
        });
        assertThat(problems).isEmpty();
    }

    @Test
    void debugDashboard_hasTheHubStreamShardAndAgentVariables() {
        List<String> names = Dashboards.variables(dashboards.get("tributary-debug.json")).stream()
                .map(v -> String.valueOf(v.get("name")))
                .toList();
        assertThat(names).contains("hub", "stream", "shard", "agent");
    }

    @Test
    void provisioning_loadsTheDashboardsWithTheFileProvider() throws IOException {
        String provider = Files.readString(
                Path.of("../deploy/grafana/provisioning/dashboards/tributary.yaml"), StandardCharsets.UTF_8);
        assertThat(provider).containsPattern("(?m)^\\s+type: file$").containsPattern("(?m)^\\s+path: /\\S+$");
    }

    @Test
    void metricNames_skipFunctionsKeywordsLabelsStringsDurationsNumbersAndVariables() {
        assertThat(
                        Dashboards.metricNames(
                                "histogram_quantile(0.99, sum by (le, hub) (rate(x_seconds_bucket{hub=~\"$hub\", a!=\"b c\"}[$__rate_interval])))"))
                .containsExactly("x_seconds_bucket");
        assertThat(Dashboards.metricNames(
                        "sum(rate(cpu_total[5m])) / 1e9 / sum(rate(records_total[5m] offset 1h)) * 1e6"))
                .containsExactly("cpu_total", "records_total");
        assertThat(Dashboards.metricNames("count(up == 0) or vector(0)")).containsExactly("up");
        assertThat(Dashboards.metricNames("a / on (hub) group_left (region) b unless c > bool 2"))
                .containsExactly("a", "b", "c");
        assertThat(Dashboards.metricNames("max(m) by (stream, shard)")).containsExactly("m");
        assertThat(Dashboards.metricNames("{__name__=\"x\"}")).isEmpty();
        assertThat(Dashboards.selector("label_values(tributary_shard_online{hub=~\"$hub\"}, stream)"))
                .isEqualTo("tributary_shard_online{hub=~\"$hub\"}");
        assertThatThrownBy(() -> Dashboards.selector("query_result(up)")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void variablesUsed_readsEveryGrafanaSyntax() {
        assertThat(Dashboards.variablesUsed("a{x=~\"$hub\", y=\"${stream:regex}\", z=\"[[shard]]\"}[$__rate_interval]"))
                .containsExactly("hub", "stream", "shard", "__rate_interval");
    }

    @Test
    void parse_refusesWhatIsNotOneJsonValue() {
        assertThatThrownBy(() -> Dashboards.parse("{\"a\": 1,}")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Dashboards.parse("{\"a\": 1} {}")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Dashboards.parse("{\"a\": 1, \"a\": 2}")).isInstanceOf(IllegalArgumentException.class);
        assertThat(Dashboards.parse("{\"a\": [1, \"b\", null, true]}"))
                .isEqualTo(Map.of("a", java.util.Arrays.asList(1, "b", null, true)));
    }

    private static void checkDatasource(Object ds, String uid, String where, List<String> problems) {
        if (!(ds instanceof Map<?, ?> m) || !uid.equals(m.get("uid")) || !"prometheus".equals(m.get("type"))) {
            problems.add(where + ": datasource " + ds + " is not {type: prometheus, uid: " + uid + "}");
        }
    }
}
