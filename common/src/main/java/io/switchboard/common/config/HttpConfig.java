package io.switchboard.common.config;

/**
 * Where a service listens.
 *
 * @param host the address to bind, such as 0.0.0.0 or 127.0.0.1
 * @param port the port; 0 picks a free one (tests)
 * @param maxBodyBytes the largest REST request body accepted
 * @param managementPort where /metrics (and /health, /ready) are served apart from the public port, or null to serve
 *                     /metrics on the public port (standalone, on loopback); 0 picks a free one (tests)
 */
public record HttpConfig(String host, int port, int maxBodyBytes, Integer managementPort) {

    /** With /metrics on the public port. */
    public HttpConfig(String host, int port, int maxBodyBytes) {
        this(host, port, maxBodyBytes, null);
    }

    public static HttpConfig from(ConfigSource c) {
        return new HttpConfig(c.nonEmpty("http.host"), c.port("http.port"),
                c.integer("http.max-body-bytes", 1_024, 64 * 1_024 * 1_024),
                c.optional("http.management-port") == null ? null : c.port("http.management-port"));
    }
}
