package io.switchboard.common.config;

import io.switchboard.common.protocol.ProtocolLimits;

/** The part of every service's configuration that is the same for all four. */
public record ServiceConfig(HttpConfig http, ProtocolLimits ws, AuthConfig auth, HazelcastConfig hazelcast) {
    public static ServiceConfig from(ConfigSource c) {
        return new ServiceConfig(HttpConfig.from(c), ProtocolLimits.from(c), AuthConfig.from(c), HazelcastConfig.from(c));
    }
}
