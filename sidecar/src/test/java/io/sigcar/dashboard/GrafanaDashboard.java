package io.sigcar.dashboard;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/** The chart's Grafana dashboard JSON, read the way Grafana reads it: panels, targets, template variables. */
final class GrafanaDashboard {

    static final Path FILE = Path.of("..", "helm", "sigcar", "dashboards", "sigcar.json");
    private static final Pattern LABEL_VALUES = Pattern.compile("^label_values\\((.+),\\s*([A-Za-z_][A-Za-z0-9_]*)\\)$");

    /** A panel that shows data (rows are containers, not panels with queries). */
    record Panel(int id, String type, String title, JsonNode node) {
        List<Target> targets() {
            List<Target> out = new ArrayList<>();
            node.path("targets").forEach(t -> out.add(new Target(t.path("refId").asString(), t.path("expr").asString(),
                    t.path("datasource"))));
            return out;
        }
    }

    /** One query of a panel. */
    record Target(String refId, String expr, JsonNode datasource) {}

    /** A query-type template variable: {@code label_values(selector, label)}. */
    record Variable(String name, String selector, String label) {}

    final JsonNode root;

    GrafanaDashboard(Path file) throws IOException {
        this.root = new ObjectMapper().readTree(Files.readString(file));
    }

    /** Every panel including rows, with collapsed rows' children flattened in. */
    List<JsonNode> allPanels() {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode p : root.path("panels")) {
            out.add(p);
            p.path("panels").forEach(out::add);
        }
        return out;
    }

    List<Panel> panels() {
        List<Panel> out = new ArrayList<>();
        for (JsonNode p : allPanels()) {
            if (!"row".equals(p.path("type").asString())) {
                out.add(new Panel(p.path("id").asInt(), p.path("type").asString(), p.path("title").asString(), p));
            }
        }
        return out;
    }

    JsonNode variable(String name) {
        for (JsonNode v : root.path("templating").path("list")) {
            if (name.equals(v.path("name").asString())) {
                return v;
            }
        }
        throw new AssertionError("dashboard has no template variable '" + name + "'");
    }

    /** The query variables in dashboard order (later ones may refer to earlier ones, like pod to namespace). */
    List<Variable> queryVariables() {
        List<Variable> out = new ArrayList<>();
        for (JsonNode v : root.path("templating").path("list")) {
            if (!"query".equals(v.path("type").asString())) {
                continue;
            }
            JsonNode q = v.path("query");
            String text = q.isObject() ? q.path("query").asString() : q.asString();
            Matcher m = LABEL_VALUES.matcher(text.strip());
            if (!m.matches()) {
                throw new AssertionError("variable " + v.path("name").asString() + ": not label_values(selector, label): "
                        + text);
            }
            out.add(new Variable(v.path("name").asString(), m.group(1).strip(), m.group(2)));
        }
        return out;
    }

    /**
     * Replaces {@code $name} and {@code ${name}} as Grafana does before a query leaves the browser.
     * Longer names go first so {@code $__rate_interval} is not read as {@code $__rate...}.
     */
    static String substitute(String expr, Map<String, String> values) {
        String out = expr;
        List<String> names = new ArrayList<>(values.keySet());
        names.sort(Comparator.comparingInt(String::length).reversed());
        for (String name : names) {
            out = out.replace("${" + name + "}", values.get(name)).replace("$" + name, values.get(name));
        }
        return out;
    }

    /** A multi-value selection as Grafana's Prometheus data source renders it for {@code =~}: (a|b), regex-escaped. */
    static String regexOf(List<String> values) {
        List<String> escaped = new ArrayList<>();
        for (String v : values) {
            // Grafana escapes regex metacharacters, doubling the backslash for the PromQL string literal.
            escaped.add(v.replaceAll("([\\\\^$.|?*+()\\[\\]{}])", "\\\\\\\\$1"));
        }
        return escaped.size() == 1 ? escaped.getFirst() : "(" + String.join("|", escaped) + ")";
    }
}
