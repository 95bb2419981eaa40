package io.switchboard.common.codec;

import com.fasterxml.jackson.core.io.JsonStringEncoder;

/**
 * JSON written straight into a {@link StringBuilder}, for the frames a server sends by the thousand a second (answers,
 * registry changes): a few appends where building a tree and serialising it cost ten times more. Strings are escaped
 * by Jackson's own encoder, so the text is the same JSON that {@link Json#write} would produce.
 */
public final class JsonText {
    private JsonText() {
    }

    /** Appends {@code value} as a JSON string (quoted and escaped), or {@code null}. */
    public static StringBuilder string(StringBuilder out, String value) {
        if (value == null) {
            return out.append("null");
        }
        out.append('"');
        if (plain(value)) {
            out.append(value);
        } else {
            JsonStringEncoder.getInstance().quoteAsString(value, out);
        }
        return out.append('"');
    }

    /** Appends {@code ,"name":"value"}; nothing when the value is null. */
    public static StringBuilder field(StringBuilder out, String name, String value) {
        if (value != null) {
            out.append(",\"").append(name).append("\":");
            string(out, value);
        }
        return out;
    }

    /** Whether a string needs no escaping: printable ASCII without quote or backslash. */
    private static boolean plain(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
                return false;
            }
        }
        return true;
    }
}
