package io.switchboard.deploy;

import static io.switchboard.deploy.KubernetesOverlaysTest.map;
import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.cluster.SystemDefinition;
import java.io.Reader;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The delivery pipeline (.github/workflows/pipeline.yml) cannot run here, so its two safety properties are held
 * by reading it: deploys never overlap, and a rollout whose readiness check fails is rolled back.
 */
class PipelineTest {

    @Test
    @SuppressWarnings("unchecked")
    void deploysNeverOverlapAndAFailedRolloutIsRolledBack() throws Exception {
        SystemDefinition system = SystemDefinition.load();
        Map<String, Object> pipeline;
        try (Reader in = Files.newBufferedReader(system.root().resolve(".github/workflows/pipeline.yml"))) {
            pipeline = new Yaml().load(in);
        }
        Map<String, Object> concurrency = map(pipeline, "concurrency");
        assertThat(concurrency).as("the pipeline's concurrency guard").isNotNull().containsEntry("cancel-in-progress", false);
        Map<String, Object> jobs = map(pipeline, "jobs");
        for (String job : List.of("staging", "prod")) {
            Map<String, Object> spec = map(jobs, job);
            assertThat(map(spec, "concurrency")).as(job + ": its own concurrency group").isNotNull()
                    .containsEntry("cancel-in-progress", false);
            List<Map<String, Object>> steps = (List<Map<String, Object>>) spec.get("steps");
            int deploy = indexOf(steps, "Deploy");
            int health = indexOf(steps, "Health");
            Map<String, Object> rollback = steps.stream().filter(s -> String.valueOf(s.get("if")).contains("failure()"))
                    .findFirst().orElseThrow(() -> new AssertionError(job + ": no step runs when the rollout fails"));
            assertThat(steps.indexOf(rollback)).as(job + ": the rollback comes after deploy and health check")
                    .isGreaterThan(deploy).isGreaterThan(health);
            String run = String.valueOf(rollback.get("run"));
            assertThat(run).as(job + ": the rollback").contains("rollout undo").contains("--to-revision")
                    .contains("discovery tracing query routing").contains("$READY_URL");
            assertThat(String.valueOf(steps.get(deploy).get("run"))).as(job + ": the deploy remembers the revisions")
                    .contains("revision-$s");
            assertThat(String.valueOf(steps.get(health).get("run"))).contains("$READY_URL");
        }
    }

    private static int indexOf(List<Map<String, Object>> steps, String name) {
        for (int i = 0; i < steps.size(); i++) {
            if (name.equals(steps.get(i).get("name"))) {
                return i;
            }
        }
        throw new AssertionError("no step named " + name);
    }
}
