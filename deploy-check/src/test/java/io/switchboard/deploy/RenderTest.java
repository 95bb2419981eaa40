package io.switchboard.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.cluster.SystemDefinition;
import io.switchboard.cluster.deploy.Render;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The deployment files are generated (./switchboard deploy render): the committed ones must be exactly what a fresh
 * render of deploy/system.yaml and deploy/environments writes, so that nobody can change one by hand and have it
 * drift from the definition.
 */
class RenderTest {

    @Test
    void theCommittedFilesAreAFreshRender() {
        SystemDefinition system = SystemDefinition.load();
        assertThat(Render.drift(system)).as("generated deploy files that differ from a fresh render; run "
                + "./switchboard deploy render and commit the result").isEmpty();
    }

    @Test
    void anEditedFileAFileLeftOverAndAChangedDefinitionAreEachCaught(@TempDir Path dir) throws Exception {
        SystemDefinition system = SystemDefinition.load();
        Path copy = copyDefinition(system.root(), dir);
        assertThat(Render.drift(SystemDefinition.load(copy))).isEmpty();

        Path deployments = copy.resolve("deploy/k8s/base/deployments.yaml");
        Files.writeString(deployments, Files.readString(deployments).replace("terminationGracePeriodSeconds: 180",
                "terminationGracePeriodSeconds: 30"));
        Files.writeString(copy.resolve("deploy/k8s/overlays/prod/extra.yaml"), "kind: ConfigMap\n");
        assertThat(Render.drift(SystemDefinition.load(copy))).containsExactly(
                "deploy/k8s/base/deployments.yaml: differs from a fresh render (line 33: file has "
                        + "'terminationGracePeriodSeconds: 30', render has 'terminationGracePeriodSeconds: 180')",
                "deploy/k8s/overlays/prod/extra.yaml: not written by the render (remove it, or add what it holds to "
                        + "deploy/system.yaml)");

        copy = copyDefinition(system.root(), dir.resolve("second"));
        Path prod = copy.resolve("deploy/environments/prod.yaml");
        Files.writeString(prod, Files.readString(prod).replace("query: {max: 8,", "query: {max: 12,"));
        assertThat(Render.drift(SystemDefinition.load(copy))).singleElement().asString()
                .startsWith("deploy/k8s/overlays/prod/hpa.yaml: differs from a fresh render");
    }

    @Test
    void theRenderIsTheSameEveryTime() {
        SystemDefinition system = SystemDefinition.load();
        Map<String, String> first = Render.render(system);
        assertThat(Render.render(SystemDefinition.load())).isEqualTo(first);
        assertThat(first).containsKeys("docker-compose.yml", "deploy/gateway/nginx.conf", "deploy/k8s/base/kustomization.yaml",
                "deploy/k8s/overlays/dev/kustomization.yaml", "deploy/k8s/overlays/staging/kustomization.yaml",
                "deploy/k8s/overlays/prod/kustomization.yaml");
    }

    /** deploy/, the services' defaults files and docker-compose.yml, as a repository of their own. */
    private static Path copyDefinition(Path root, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(root.resolve("deploy"))) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Path target = to.resolve(root.relativize(f));
                Files.createDirectories(target.getParent());
                Files.copy(f, target);
            }
        }
        Files.copy(root.resolve("docker-compose.yml"), to.resolve("docker-compose.yml"));
        return to;
    }
}
