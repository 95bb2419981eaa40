package io.switchboard.common.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;

/**
 * The raw key-value configuration of one service, read once at start-up, with typed getters that fail with a
 * message naming the key, the value, where it came from and what is expected.
 *
 * <p>Precedence, lowest first: the service's defaults file on the classpath (every key, each with a comment),
 * an optional file named by {@code SWITCHBOARD_CONFIG_FILE} or given explicitly, then environment variables:
 * key {@code http.port} is overridden by {@code SWITCHBOARD_HTTP_PORT} (upper case, dots and dashes to
 * underscores). A key that is not in the defaults is refused, so a typo cannot silently do nothing.
 */
public final class ConfigSource {
    public static final String ENV_PREFIX = "SWITCHBOARD_";

    private final Map<String, String> values;
    private final Map<String, String> origins;

    private ConfigSource(Map<String, String> values, Map<String, String> origins) {
        this.values = values;
        this.origins = origins;
    }

    /**
     * Loads {@code defaultsResource} from the classpath, then {@code file} if not null, then the environment.
     */
    public static ConfigSource load(String defaultsResource, Path file, Map<String, String> env) {
        Map<String, String> values = new LinkedHashMap<>();
        Map<String, String> origins = new LinkedHashMap<>();
        Properties defaults = new Properties();
        try (InputStream in = ConfigSource.class.getClassLoader().getResourceAsStream(defaultsResource)) {
            if (in == null) {
                throw new ConfigException("the defaults file " + defaultsResource + " is not on the classpath");
            }
            defaults.load(new java.io.InputStreamReader(in, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new ConfigException("cannot read " + defaultsResource + ": " + e.getMessage());
        }
        for (String key : new TreeSet<>(defaults.stringPropertyNames())) {
            values.put(key, defaults.getProperty(key).trim());
            origins.put(key, defaultsResource);
        }
        if (file != null) {
            Properties overrides = new Properties();
            try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                overrides.load(in);
            } catch (IOException e) {
                throw new ConfigException("cannot read the configuration file " + file + ": " + e.getMessage());
            }
            for (String key : overrides.stringPropertyNames()) {
                if (!values.containsKey(key)) {
                    throw new ConfigException("unknown key '" + key + "' in " + file + "; known keys: "
                            + String.join(", ", values.keySet()));
                }
                values.put(key, overrides.getProperty(key).trim());
                origins.put(key, file.toString());
            }
        }
        for (String key : values.keySet()) {
            String name = envName(key);
            String value = env.get(name);
            if (value != null) {
                values.put(key, value.trim());
                origins.put(key, "environment variable " + name);
            }
        }
        return new ConfigSource(values, origins);
    }

    /** Loads the defaults, the file named by SWITCHBOARD_CONFIG_FILE if set, and the process environment. */
    public static ConfigSource fromEnvironment(String defaultsResource) {
        String file = System.getenv(ENV_PREFIX + "CONFIG_FILE");
        return load(defaultsResource, file == null || file.isBlank() ? null : Path.of(file), System.getenv());
    }

    /** A copy with some values replaced, as when standalone mode passes its port on. */
    public ConfigSource with(String key, String value, String origin) {
        require(key);
        Map<String, String> v = new LinkedHashMap<>(values);
        Map<String, String> o = new LinkedHashMap<>(origins);
        v.put(key, value);
        o.put(key, origin);
        return new ConfigSource(v, o);
    }

    public static String envName(String key) {
        return ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    public String string(String key) {
        return require(key);
    }

    /** The value, or null if it is empty. */
    public String optional(String key) {
        String v = require(key);
        return v.isEmpty() ? null : v;
    }

    public String nonEmpty(String key) {
        String v = require(key);
        if (v.isEmpty()) {
            throw bad(key, v, "a non-empty value");
        }
        return v;
    }

    public int integer(String key, int min, int max) {
        String v = require(key);
        try {
            long n = Long.parseLong(v);
            if (n < min || n > max) {
                throw bad(key, v, "an integer from " + min + " to " + max);
            }
            return (int) n;
        } catch (NumberFormatException e) {
            throw bad(key, v, "an integer from " + min + " to " + max);
        }
    }

    public int port(String key) {
        return integer(key, 0, 65_535);
    }

    public boolean bool(String key) {
        String v = require(key).toLowerCase(Locale.ROOT);
        return switch (v) {
            case "true" -> true;
            case "false" -> false;
            default -> throw bad(key, v, "true or false");
        };
    }

    /** Durations such as 500ms, 30s, 15m, 24h or 7d, within [min, max]. */
    public Duration duration(String key, Duration min, Duration max) {
        String v = require(key);
        Duration d = parseDuration(v);
        if (d == null || d.compareTo(min) < 0 || d.compareTo(max) > 0) {
            throw bad(key, v, "a duration from " + format(min) + " to " + format(max) + ", such as 30s or 5m");
        }
        return d;
    }

    /**
     * A size in bytes, written as a whole number with an optional k, m or g (powers of 1,024: 64m, 2g), within
     * [min, max]; {@code auto}, where the key allows it, gives {@code whenAuto}.
     */
    public long bytes(String key, long min, long max, java.util.function.LongSupplier whenAuto) {
        String v = require(key);
        if (whenAuto != null && "auto".equalsIgnoreCase(v)) {
            return Math.max(min, Math.min(max, whenAuto.getAsLong()));
        }
        Long n = parseBytes(v);
        if (n == null || n < min || n > max) {
            throw bad(key, v, "a size from " + min + " to " + max + " bytes, such as 512k, 64m or 2g"
                    + (whenAuto == null ? "" : ", or auto"));
        }
        return n;
    }

    /** Parses 1048576, 512k, 64m, 2g; null if the text is not such a size. */
    public static Long parseBytes(String text) {
        var m = java.util.regex.Pattern.compile("(\\d{1,12})([kmgKMG]?)").matcher(text);
        if (!m.matches()) {
            return null;
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "k" -> n << 10;
            case "m" -> n << 20;
            case "g" -> n << 30;
            default -> n;
        };
    }

    public <E extends Enum<E>> E choice(String key, Class<E> type) {
        String v = require(key);
        for (E e : type.getEnumConstants()) {
            if (e.name().equalsIgnoreCase(v.replace('-', '_'))) {
                return e;
            }
        }
        throw bad(key, v, "one of " + Arrays.stream(type.getEnumConstants())
                .map(e -> e.name().toLowerCase(Locale.ROOT).replace('_', '-')).toList());
    }

    /** A comma-separated list; empty items are dropped. */
    public List<String> list(String key) {
        List<String> out = new ArrayList<>();
        for (String part : require(key).split(",")) {
            if (!part.isBlank()) {
                out.add(part.trim());
            }
        }
        return List.copyOf(out);
    }

    /** An http or https URL, or null if empty. */
    public URI url(String key) {
        String v = require(key);
        if (v.isEmpty()) {
            return null;
        }
        try {
            URI uri = new URI(v);
            if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
                throw bad(key, v, "an http:// or https:// URL with a host");
            }
            return uri;
        } catch (java.net.URISyntaxException e) {
            throw bad(key, v, "an http:// or https:// URL with a host");
        }
    }

    /** Fails with a message naming the key, its value and origin, and what was expected. */
    public ConfigException bad(String key, String value, String expected) {
        String origin = origins.get(key);
        String where = origin.startsWith("environment variable") ? "set by " + origin
                : "set in " + origin + "; environment variable " + envName(key) + " overrides it";
        return new ConfigException("invalid configuration: " + key + "='" + value + "' must be " + expected
                + " (" + where + ")");
    }

    private String require(String key) {
        String v = values.get(key);
        if (v == null) {
            throw new IllegalArgumentException("configuration key '" + key + "' is not in the defaults file");
        }
        return v;
    }

    /** Parses 500ms, 30s, 15m, 24h, 7d; null if the text is not such a duration. */
    public static Duration parseDuration(String text) {
        var m = java.util.regex.Pattern.compile("(\\d{1,9})(ms|s|m|h|d)").matcher(text);
        if (!m.matches()) {
            return null;
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }

    private static String format(Duration d) {
        if (d.toMillis() % 1000 != 0) {
            return d.toMillis() + "ms";
        }
        if (d.toSeconds() % 3600 == 0 && d.toSeconds() > 0) {
            return d.toHours() + "h";
        }
        if (d.toSeconds() % 60 == 0 && d.toSeconds() > 0) {
            return d.toMinutes() + "m";
        }
        return d.toSeconds() + "s";
    }
}
