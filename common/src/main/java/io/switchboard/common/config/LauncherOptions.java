package io.switchboard.common.config;

import java.nio.file.Path;

/**
 * The command line of the launchers ({@code ./switchboard standalone|cluster [--port 7700] [--data-dir DIR]});
 * null means "as configured". A bad option is a {@link ConfigException} whose message ends with the usage.
 */
public record LauncherOptions(Integer port, Path dataDir) {

    /** @param command the launcher's name in the usage line, such as standalone */
    public static LauncherOptions parse(String[] args, String command) {
        String usage = "usage: ./switchboard " + command + " [--port 7700] [--data-dir DIR]";
        Integer port = null;
        Path dataDir = null;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String value = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                value = arg.substring(eq + 1);
                arg = arg.substring(0, eq);
            } else if (i + 1 < args.length) {
                value = args[i + 1];
            }
            switch (arg) {
                case "--port" -> {
                    port = parsePort(value, usage);
                    if (eq < 0) {
                        i++;
                    }
                }
                case "--data-dir" -> {
                    if (value == null || value.isBlank()) {
                        throw new ConfigException("--data-dir needs a directory; " + usage);
                    }
                    dataDir = Path.of(value);
                    if (eq < 0) {
                        i++;
                    }
                }
                default -> throw new ConfigException("unknown option '" + args[i] + "'; " + usage);
            }
        }
        return new LauncherOptions(port, dataDir);
    }

    private static int parsePort(String value, String usage) {
        try {
            int port = Integer.parseInt(value);
            if (port >= 0 && port <= 65_535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // falls through to the message below
        }
        throw new ConfigException("--port needs a port number from 0 to 65535, got '" + value + "'; " + usage);
    }
}
