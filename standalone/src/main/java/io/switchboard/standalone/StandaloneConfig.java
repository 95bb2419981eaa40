package io.switchboard.standalone;

import io.switchboard.common.config.AuthConfig;
import io.switchboard.common.config.ConfigException;
import io.switchboard.common.config.ConfigSource;
import io.switchboard.common.config.HttpConfig;
import io.switchboard.common.config.LauncherOptions;
import io.switchboard.common.protocol.ProtocolLimits;
import java.nio.file.Path;
import java.time.Duration;

/** Standalone's configuration (standalone.properties), with the command line applied on top. */
record StandaloneConfig(HttpConfig http, ProtocolLimits ws, AuthConfig auth, Path dataDir, String devTenant,
                        Duration devTokenTtl, int hazelcastPort, io.switchboard.common.service.WarmUp.Config warmUp) {

    static StandaloneConfig from(ConfigSource c, LauncherOptions options) {
        if (options.port() != null) {
            c = c.with("http.port", options.port().toString(), "--port");
        }
        if (options.dataDir() != null) {
            c = c.with("data-dir", options.dataDir().toString(), "--data-dir");
        }
        HttpConfig http = HttpConfig.from(c);
        AuthConfig auth = AuthConfig.from(c);
        if (auth.mode() == AuthConfig.Mode.HS256 && io.switchboard.common.auth.DevTokens.DEV_SECRET.equals(auth.hs256Secret())
                && !isLoopback(http.host())) {
            throw new ConfigException("invalid configuration: http.host=" + http.host() + " serves other machines, but "
                    + "the token secret is the public development secret, with which anyone can sign tokens; set your own "
                    + "(" + ConfigSource.envName("auth.hs256-secret") + ", 32+ random characters) or keep http.host=127.0.0.1");
        }
        return new StandaloneConfig(http, ProtocolLimits.from(c), auth,
                Path.of(c.nonEmpty("data-dir")).toAbsolutePath().normalize(), c.nonEmpty("dev.tenant"),
                c.duration("dev.token-ttl", Duration.ofMinutes(1), Duration.ofDays(365)), c.port("hazelcast.port"),
                io.switchboard.common.service.WarmUp.Config.from(c));
    }

    private static boolean isLoopback(String host) {
        try {
            return java.net.InetAddress.getByName(host).isLoopbackAddress();
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }
}
