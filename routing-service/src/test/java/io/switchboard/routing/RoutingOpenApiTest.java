package io.switchboard.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.switchboard.testsupport.Tokens;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/** docs/openapi.yaml and the routing service's routes describe the same API. */
class RoutingOpenApiTest {

    @Test
    @SuppressWarnings("unchecked")
    void everyRoutingRouteIsDescribedAndEveryDescribedRoutingPathIsServed() throws Exception {
        Path root = Path.of("").toAbsolutePath();
        while (!Files.exists(root.resolve("docs/openapi.yaml"))) {
            root = root.getParent();
        }
        Map<String, Object> openapi;
        try (Reader in = Files.newBufferedReader(root.resolve("docs/openapi.yaml"))) {
            openapi = new Yaml().load(in);
        }
        Set<String> documented = new TreeSet<>();
        ((Map<String, Map<String, Object>>) openapi.get("paths")).forEach((path, methods) -> methods.keySet().stream()
                .filter(m -> !m.equals("parameters") && path.startsWith("/api/v1/routing"))
                .forEach(m -> documented.add(m.toUpperCase() + " " + path)));

        Vertx vertx = Vertx.vertx();
        try {
            RoutingDatabase db = new RoutingDatabase(vertx, new DatabaseConfig("jdbc:postgresql://127.0.0.1:1/none", "x", "y", 1),
                    new SimpleMeterRegistry());
            try (db) {
                Router router = Router.router(vertx);
                new RoutingService(vertx, db, null, Tokens.verifier(), RoutingConfig.DEFAULT.withAggregator(false),
                        new SimpleMeterRegistry()).mount(router);
                Set<String> served = new TreeSet<>();
                for (Route route : router.getRoutes()) {
                    String path = route.getPath();
                    if (path != null && path.startsWith("/api/") && route.methods() != null) {
                        String openapiPath = path.replaceAll(":([A-Za-z]+)", "{$1}");
                        route.methods().forEach(m -> served.add(m.name() + " " + openapiPath));
                    }
                }
                assertThat(served).as("routes of the routing service vs docs/openapi.yaml").isEqualTo(documented);
            }
        } finally {
            vertx.close();
        }
    }
}
