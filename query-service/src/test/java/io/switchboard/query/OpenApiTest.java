package io.switchboard.query;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.testsupport.Tokens;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import java.io.Reader;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/** docs/openapi.yaml and the query service's routes describe the same API: no route undocumented, no documented route missing. */
class OpenApiTest {

    @Test
    @SuppressWarnings("unchecked")
    void everyRouteIsDescribedAndEveryDescribedPathIsServed() throws Exception {
        Path spec = Path.of("").toAbsolutePath();
        while (!Files.exists(spec.resolve("docs/openapi.yaml"))) {
            spec = spec.getParent();
        }
        Map<String, Object> openapi;
        try (Reader in = Files.newBufferedReader(spec.resolve("docs/openapi.yaml"))) {
            openapi = new Yaml().load(in);
        }
        Set<String> documented = new TreeSet<>();
        ((Map<String, Map<String, Object>>) openapi.get("paths")).forEach((path, methods) ->
                methods.keySet().stream().filter(m -> !m.equals("parameters"))
                        .forEach(method -> documented.add(method.toUpperCase() + " " + path)));
        // The routing service's paths are checked by routing-service's own test.
        documented.removeIf(route -> route.contains(" /api/v1/routing"));

        Vertx vertx = Vertx.vertx();
        try (HistoryStore store = new HistoryStore(vertx, new ElasticsearchConfig(List.of(URI.create("http://127.0.0.1:1")), null, null))) {
            Router router = Router.router(vertx);
            new QueryService(vertx, store, null, HistoryConfig.DEFAULT, Tokens.verifier(),
                    new io.micrometer.core.instrument.simple.SimpleMeterRegistry()).mount(router);
            Set<String> served = new TreeSet<>();
            for (Route route : router.getRoutes()) {
                String path = route.getPath();
                if (path != null && path.startsWith("/api/")) {
                    String openapiPath = path.replaceAll(":([A-Za-z]+)", "{$1}");
                    route.methods().forEach(m -> served.add(m.name() + " " + openapiPath));
                }
            }
            assertThat(served).as("routes of the query service vs docs/openapi.yaml").isEqualTo(documented);
        } finally {
            vertx.close();
        }
    }
}
