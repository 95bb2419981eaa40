package io.switchboard.standalone;

import io.switchboard.common.config.AuthConfig;
import io.switchboard.common.config.ConfigSource;
import io.switchboard.common.config.HttpConfig;
import io.switchboard.common.config.LauncherOptions;
import io.switchboard.common.protocol.ProtocolLimits;
import java.nio.file.Path;
import java.time.Duration;

/** Standalone's configuration (standalone.properties), with the command line applied on top. */
record StandaloneConfig(HttpConfig http, ProtocolLimits ws, AuthConfig auth, Path dataDir, String devTenant,
                        Duration devTokenTtl, int hazelcastPort) {

    static StandaloneConfig from(ConfigSource c, LauncherOptions options) {
        if (options.port() != null) {
            c = c.with("http.port", options.port().toString(), "--port");
        }
        if (options.dataDir() != null) {
            c = c.with("data-dir", options.dataDir().toString(), "--data-dir");
        }
        return new StandaloneConfig(HttpConfig.from(c), ProtocolLimits.from(c), AuthConfig.from(c),
                Path.of(c.nonEmpty("data-dir")).toAbsolutePath().normalize(), c.nonEmpty("dev.tenant"),
                c.duration("dev.token-ttl", Duration.ofMinutes(1), Duration.ofDays(365)), c.port("hazelcast.port"));
    }
}
