package io.switchboard.client.internal;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A requested version: MAJOR, MAJOR.MINOR or MAJOR.MINOR.PATCH. A node's version matches if its major is equal and
 * its (minor, patch) is at least the requested one. Pre-release and build suffixes of nodes are ignored.
 */
public record VersionRange(int major, int minor, int patch) {
    private static final Pattern REQUEST = Pattern.compile("(\\d{1,9})(?:\\.(\\d{1,9}))?(?:\\.(\\d{1,9}))?");
    private static final Pattern VERSION = Pattern.compile("(\\d{1,9})\\.(\\d{1,9})\\.(\\d{1,9})(?:[-+].*)?");

    public static VersionRange parse(String text) {
        Matcher m = text == null ? null : REQUEST.matcher(text.trim());
        if (m == null || !m.matches()) {
            throw new IllegalArgumentException("version range must be MAJOR, MAJOR.MINOR or MAJOR.MINOR.PATCH, got '" + text + "'");
        }
        return new VersionRange(Integer.parseInt(m.group(1)), m.group(2) == null ? 0 : Integer.parseInt(m.group(2)),
                m.group(3) == null ? 0 : Integer.parseInt(m.group(3)));
    }

    public boolean matches(String version) {
        Matcher m = VERSION.matcher(version);
        if (!m.matches()) {
            return false;
        }
        int maj = Integer.parseInt(m.group(1));
        int min = Integer.parseInt(m.group(2));
        int pat = Integer.parseInt(m.group(3));
        return maj == major && (min > minor || min == minor && pat >= patch);
    }

    @Override
    public String toString() {
        return major + "." + minor + "." + patch + " (same major, at least this)";
    }
}
