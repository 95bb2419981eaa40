package io.switchboard.cluster.deploy;

import io.switchboard.cluster.SystemDefinition;
import io.switchboard.cluster.SystemDefinition.ServiceDefinition;

/** deploy/gateway/nginx.conf: docker-compose's one public port, routed by path as standalone and the Ingress do. */
final class GatewayConfig {
    private GatewayConfig() {
    }

    static String render(SystemDefinition system) {
        StringBuilder out = new StringBuilder(Manifests.header("nginx for docker-compose: the one public port, routed "
                + "by path as standalone and the Kubernetes Ingress do (the longest matching prefix wins)."));
        out.append("events {}\n");
        out.append("http {\n");
        out.append("  # WebSockets (discovery, tracing) upgrade through every location; other requests keep HTTP/1.1.\n");
        out.append("  map $http_upgrade $connection_upgrade { default upgrade; '' ''; }\n");
        out.append("  proxy_http_version 1.1;\n");
        out.append("  proxy_set_header Upgrade $http_upgrade;\n");
        out.append("  proxy_set_header Connection $connection_upgrade;\n");
        out.append("  proxy_set_header Host $host;\n");
        out.append("  proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n");
        out.append("  proxy_read_timeout ").append(system.gateway().idleTimeoutSeconds()).append("s;\n");
        out.append("  proxy_send_timeout ").append(system.gateway().idleTimeoutSeconds()).append("s;\n");
        out.append("  client_max_body_size ").append(system.gateway().maxBodySize()).append(";\n");
        out.append("  # Answers are not held back in buffers: log pages stream, and a tail is live.\n");
        out.append("  proxy_buffering off;\n");
        out.append("  server {\n");
        out.append("    listen ").append(system.publicPort()).append(";\n");
        for (ServiceDefinition s : system.services().values()) {
            for (String path : s.paths()) {
                out.append("    location ").append(path).append(" { proxy_pass http://").append(s.name()).append(':')
                        .append(s.port()).append("; }\n");
            }
        }
        out.append("  }\n");
        out.append("}\n");
        return out.toString();
    }
}
