package io.switchboard.common.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Map;

/**
 * A running instance of a service, as registered with discovery.
 *
 * @param tenant      set by the server from the token; ignored on the wire
 * @param id          client-made, unique within the tenant
 * @param service     the service's name
 * @param version     a semantic version, MAJOR.MINOR.PATCH with optional pre-release and build
 * @param address     where to reach it: host:port or a URL
 * @param environment the environment it runs in, such as prod or staging
 * @param properties  free-form string properties
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Node(String tenant, String id, String service, String version, String address, String environment,
                   Map<String, String> properties) {

    public Node {
        properties = properties == null ? Map.of() : Map.copyOf(properties);
    }

    /**
     * What the node weighs in the registry: the UTF-8 bytes of its id, service, version, address, environment and
     * property keys and values (docs/protocol.md, section 7.3).
     */
    @com.fasterxml.jackson.annotation.JsonIgnore
    public int bytes() {
        int n = utf8(id) + utf8(service) + utf8(version) + utf8(address) + utf8(environment);
        for (Map.Entry<String, String> p : properties.entrySet()) {
            n += utf8(p.getKey()) + utf8(p.getValue());
        }
        return n;
    }

    private static int utf8(String s) {
        if (s == null) {
            return 0;
        }
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            n += c < 0x80 ? 1 : c < 0x800 ? 2 : Character.isSurrogate(c) ? 2 : 3;
        }
        return n;
    }

    public Node withTenant(String tenant) {
        return new Node(tenant, id, service, version, address, environment, properties);
    }
}
