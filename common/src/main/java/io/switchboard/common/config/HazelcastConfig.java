package io.switchboard.common.config;

import java.util.List;

/**
 * How a service meets the Hazelcast cluster.
 *
 * @param mode        MEMBER holds data (discovery and tracing replicas); CLIENT joins without holding any
 * @param clusterName only members and clients with the same name meet
 * @param members     addresses (host or host:port) of members to join or connect to
 * @param port        the port a member listens on (it tries the next few if taken)
 */
public record HazelcastConfig(Mode mode, String clusterName, List<String> members, int port) {
    public enum Mode { MEMBER, CLIENT }

    public static HazelcastConfig from(ConfigSource c) {
        List<String> members = c.list("hazelcast.members");
        if (members.isEmpty()) {
            throw c.bad("hazelcast.members", "", "a comma-separated list of member addresses, such as 10.0.0.5:5701");
        }
        return new HazelcastConfig(c.choice("hazelcast.mode", Mode.class), c.nonEmpty("hazelcast.cluster-name"),
                members, c.port("hazelcast.port"));
    }
}
