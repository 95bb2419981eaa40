package io.switchboard.standalone;

import java.nio.file.Path;

/**
 * The command line of {@code ./switchboard standalone [--port 7700] [--data-dir DIR]}; null means "as configured".
 */
record StandaloneOptions(Integer port, Path dataDir) {
    static final String USAGE = "usage: ./switchboard standalone [--port 7700] [--data-dir DIR]";

    static StandaloneOptions parse(String[] args) {
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
                    port = parsePort(value);
                    if (eq < 0) {
                        i++;
                    }
                }
                case "--data-dir" -> {
                    if (value == null || value.isBlank()) {
                        throw new StartupException("--data-dir needs a directory; " + USAGE);
                    }
                    dataDir = Path.of(value);
                    if (eq < 0) {
                        i++;
                    }
                }
                default -> throw new StartupException("unknown option '" + args[i] + "'; " + USAGE);
            }
        }
        return new StandaloneOptions(port, dataDir);
    }

    private static int parsePort(String value) {
        try {
            int port = Integer.parseInt(value);
            if (port >= 0 && port <= 65_535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // falls through to the message below
        }
        throw new StartupException("--port needs a port number from 0 to 65535, got '" + value + "'; " + USAGE);
    }
}
