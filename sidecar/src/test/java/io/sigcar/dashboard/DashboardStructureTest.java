package io.sigcar.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The dashboard JSON is well-formed for Grafana and every query is scoped to the selected namespace and pod. */
class DashboardStructureTest {

    private static final String DS = "${datasource}";
    private static final Pattern SELECTOR = Pattern.compile("\\b([a-z_][a-z0-9_]*)\\{([^}]*)}");
    private static final Pattern BARE_METRIC = Pattern.compile("\\b((?:sigcar|jvm|vertx|process|system)_[a-z0-9_]+)\\b(?!\\{)");

    @Test
    void panelsHaveUniqueIdsTitlesAndNonOverlappingGridPositions() throws Exception {
        GrafanaDashboard d = new GrafanaDashboard(GrafanaDashboard.FILE);
        assertTrue(d.root.path("schemaVersion").asInt() >= 36, "schemaVersion " + d.root.path("schemaVersion"));
        assertEquals("sigcar", d.root.path("uid").asString());
        Set<Integer> ids = new HashSet<>();
        Set<String> titles = new HashSet<>();
        List<int[]> boxes = new ArrayList<>();
        for (JsonNode p : d.allPanels()) {
            String name = "panel '" + p.path("title").asString() + "'";
            assertTrue(p.path("id").isInt() && ids.add(p.path("id").asInt()), name + ": missing or duplicate id");
            assertTrue(titles.add(p.path("title").asString()), name + ": duplicate title");
            assertFalse(p.path("title").asString().isBlank(), "a panel without a title: " + p);
            JsonNode g = p.path("gridPos");
            for (String k : List.of("h", "w", "x", "y")) {
                assertTrue(g.path(k).isInt(), name + ": gridPos." + k + " missing");
            }
            int x = g.get("x").asInt(), y = g.get("y").asInt(), w = g.get("w").asInt(), h = g.get("h").asInt();
            assertTrue(w > 0 && h > 0 && x >= 0 && y >= 0 && x + w <= 24, name + ": gridPos out of the 24-column grid " + g);
            for (int[] b : boxes) {
                boolean overlap = x < b[0] + b[2] && b[0] < x + w && y < b[1] + b[3] && b[1] < y + h;
                assertFalse(overlap, name + " overlaps another panel at " + g);
            }
            boxes.add(new int[] {x, y, w, h});
        }
        assertTrue(d.panels().size() >= 15, "only " + d.panels().size() + " panels");
    }

    @Test
    void everyPanelAndTargetUsesTheDatasourceVariable() throws Exception {
        GrafanaDashboard d = new GrafanaDashboard(GrafanaDashboard.FILE);
        JsonNode ds = d.variable("datasource");
        assertEquals("datasource", ds.path("type").asString());
        assertEquals("prometheus", ds.path("query").asString());
        for (GrafanaDashboard.Panel p : d.panels()) {
            assertEquals(DS, p.node().path("datasource").path("uid").asString(), p.title() + ": panel datasource");
            assertEquals("prometheus", p.node().path("datasource").path("type").asString(), p.title());
            assertFalse(p.node().path("description").asString().isBlank(), p.title() + ": no description");
            assertFalse(p.targets().isEmpty(), p.title() + ": no targets");
            Set<String> refIds = new HashSet<>();
            for (GrafanaDashboard.Target t : p.targets()) {
                assertTrue(refIds.add(t.refId()), p.title() + ": duplicate refId " + t.refId());
                assertEquals(DS, t.datasource().path("uid").asString(), p.title() + " " + t.refId() + ": target datasource");
            }
        }
        for (String name : List.of("namespace", "pod")) {
            JsonNode v = d.variable(name);
            assertEquals(DS, v.path("datasource").path("uid").asString(), name + " variable datasource");
            assertTrue(v.path("includeAll").asBoolean() && v.path("multi").asBoolean(), name + ": multi with All");
            assertEquals(".*", v.path("allValue").asString(), name + ": All must match every value");
        }
        assertEquals(List.of("namespace", "pod"), d.queryVariables().stream().map(GrafanaDashboard.Variable::name).toList());
    }

    @Test
    void everyMetricSelectorIsFilteredByNamespaceAndPod() throws Exception {
        GrafanaDashboard d = new GrafanaDashboard(GrafanaDashboard.FILE);
        int selectors = 0;
        for (GrafanaDashboard.Panel p : d.panels()) {
            for (GrafanaDashboard.Target t : p.targets()) {
                String where = p.title() + " " + t.refId() + ": " + t.expr();
                Matcher bare = BARE_METRIC.matcher(t.expr());
                assertFalse(bare.find(), where + ": metric without a label filter");
                Matcher m = SELECTOR.matcher(t.expr());
                boolean any = false;
                while (m.find()) {
                    any = true;
                    selectors++;
                    assertTrue(m.group(2).contains("namespace=~\"$namespace\""), where + ": " + m.group(1) + " lacks namespace");
                    assertTrue(m.group(2).contains("pod=~\"$pod\""), where + ": " + m.group(1) + " lacks pod");
                }
                assertTrue(any, where + ": no metric selector");
            }
        }
        assertTrue(selectors > 30, "checked " + selectors + " selectors");
    }

    @Test
    void variablesAreSubstitutedAsGrafanaRendersThem() {
        assertEquals("(prod|team\\\\.a)", GrafanaDashboard.regexOf(List.of("prod", "team.a")));
        assertEquals("rate(x{pod=~\"p-1\"}[20s])", GrafanaDashboard.substitute("rate(x{pod=~\"$pod\"}[$__rate_interval])",
                java.util.Map.of("pod", "p-1", "__rate_interval", "20s", "__range", "1h")));
        assertEquals("a p-1 b", GrafanaDashboard.substitute("a ${pod} b", java.util.Map.of("pod", "p-1")));
    }

    @Test
    void theSelectorCheckCatchesAnUnscopedQuery() {
        // The check above must be able to fail: an unfiltered and a half-filtered query are caught.
        assertTrue(BARE_METRIC.matcher("sum(rate(sigcar_rejections_total[5m]))").find());
        Matcher m = SELECTOR.matcher("rate(sigcar_rejections_total{namespace=~\"$namespace\"}[5m])");
        assertTrue(m.find());
        assertFalse(m.group(2).contains("pod=~\"$pod\""));
    }
}
