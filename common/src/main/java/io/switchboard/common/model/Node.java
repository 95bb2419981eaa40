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

    public Node withTenant(String tenant) {
        return new Node(tenant, id, service, version, address, environment, properties);
    }
}
