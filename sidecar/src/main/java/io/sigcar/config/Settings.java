package io.sigcar.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * The raw text of every setting and where it came from. Precedence, lowest first: built-in
 * default, config file, {@code SIGCAR_*} environment variable, flag. Values stay text here;
 * {@link SidecarConfig} parses them so every error can name its source.
 */
public final class Settings {

    /** A setting's text and its origin, e.g. {@code sigcar.yaml} or {@code --listen}. */
    public record Value(String text, String source) {}

    private final Map<Field, Value> values;

    private Settings(Map<Field, Value> values) {
        this.values = values;
    }

    public Value get(Field field) {
        return values.get(field);
    }

    /**
     * @param file  optional YAML config file
     * @param env   the process environment (only {@code SIGCAR_*} entries are read)
     * @param flags values given on the command line
     */
    public static Settings load(Optional<Path> file, Map<String, String> env, Map<Field, String> flags) {
        Map<Field, Value> values = new EnumMap<>(Field.class);
        for (Field f : Field.values()) {
            if (f.defaultValue() != null) {
                values.put(f, new Value(f.defaultValue(), "default"));
            }
        }
        file.ifPresent(path -> readFile(path, values));
        for (Field f : Field.values()) {
            String v = env.get(f.env());
            if (v != null) {
                values.put(f, new Value(v, "environment " + f.env()));
            }
        }
        flags.forEach((f, v) -> values.put(f, new Value(v, "flag " + f.flag())));
        return new Settings(values);
    }

    private static void readFile(Path path, Map<Field, Value> values) {
        String source = path.toString();
        JsonNode root;
        try {
            ObjectMapper yaml = YAMLMapper.builder().build();
            root = yaml.readTree(Files.readString(path));
        } catch (NoSuchFileException e) {
            throw new ConfigException(source, "(file)", "no such file");
        } catch (IOException | JacksonException e) {
            throw new ConfigException(source, "(file)", "not valid YAML: " + firstLine(e.getMessage()));
        }
        if (root == null || root.isNull() || root.isMissingNode()) {
            return;
        }
        if (!root.isObject()) {
            throw new ConfigException(source, "(file)", "must be a mapping of settings");
        }
        for (Map.Entry<String, JsonNode> entry : root.properties()) {
            Field field = byKey(entry.getKey()).orElseThrow(() -> new ConfigException(source, entry.getKey(),
                    "unknown setting (known: " + knownKeys() + ")"));
            String text = field == Field.ROUTES ? routesText(source, entry.getValue()) : scalarOrList(source, field,
                    entry.getValue());
            values.put(field, new Value(text, source));
        }
    }

    /** Scalars as text; lists joined with commas; maps (key-algorithms) as key=value pairs. */
    private static String scalarOrList(String source, Field field, JsonNode node) {
        if (node.isValueNode()) {
            return node.asString();
        }
        List<String> parts = new ArrayList<>();
        if (node.isArray()) {
            for (JsonNode item : node) {
                if (!item.isValueNode()) {
                    throw new ConfigException(source, field.key(), "list items must be plain values");
                }
                parts.add(item.asString());
            }
        } else if (node.isObject()) {
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                if (!e.getValue().isValueNode()) {
                    throw new ConfigException(source, field.key() + "." + e.getKey(), "must be a plain value");
                }
                parts.add(e.getKey() + "=" + e.getValue().asString());
            }
        }
        return String.join(",", parts);
    }

    /** Each YAML route (a mapping) becomes the compact flag form: k=v pairs, lists joined with '|'. */
    private static String routesText(String source, JsonNode node) {
        if (!node.isArray()) {
            throw new ConfigException(source, "routes", "must be a list of route mappings");
        }
        List<String> rules = new ArrayList<>();
        int index = 0;
        for (JsonNode route : node) {
            if (!route.isObject()) {
                throw new ConfigException(source, "routes[" + index + "]", "must be a mapping");
            }
            List<String> pairs = new ArrayList<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = route.properties().iterator(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode v = e.getValue();
                String where = "routes[" + index + "]." + e.getKey();
                String text;
                if (v.isArray()) {
                    List<String> items = new ArrayList<>();
                    for (JsonNode item : v) {
                        if (!item.isValueNode()) {
                            throw new ConfigException(source, where, "list items must be plain values");
                        }
                        items.add(item.asString());
                    }
                    text = String.join("|", items);
                } else if (v.isValueNode()) {
                    text = v.asString();
                } else {
                    // asString() on a mapping throws Jackson's own exception, which would name no field.
                    throw new ConfigException(source, where, "must be a plain value or a list of plain values");
                }
                if (text.contains(",") || text.contains(";")) {
                    throw new ConfigException(source, where, "must not contain ',' or ';'");
                }
                pairs.add(e.getKey() + "=" + text);
            }
            rules.add(String.join(",", pairs));
            index++;
        }
        return String.join(";", rules);
    }

    static Optional<Field> byKey(String key) {
        for (Field f : Field.values()) {
            if (f.key().equals(key)) {
                return Optional.of(f);
            }
        }
        return Optional.empty();
    }

    private static String knownKeys() {
        StringBuilder sb = new StringBuilder();
        for (Field f : Field.values()) {
            sb.append(sb.isEmpty() ? "" : ", ").append(f.key());
        }
        return sb.toString();
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
