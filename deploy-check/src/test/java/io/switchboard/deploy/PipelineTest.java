package io.switchboard.deploy;

import static io.switchboard.deploy.KubernetesOverlaysTest.map;
import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.cluster.SystemDefinition;
import io.switchboard.cluster.deploy.Deploy;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The delivery pipeline (.github/workflows/pipeline.yml) cannot run here. What it runs can: every deploy step is a
 * command of the repository, and each is run here, in dry-run mode, exactly as the workflow writes it, against the
 * rendered overlays. The rest is held by reading the workflow: the test job uses what its runner has, deploys never
 * overlap, each environment's job deploys that environment, and prod comes after staging.
 */
class PipelineTest {
    private static final Pattern DEPLOY = Pattern.compile("\\./switchboard deploy (apply|rollback) ([^\\n]*)");

    @SuppressWarnings("unchecked")
    private static Map<String, Object> pipeline() throws Exception {
        try (Reader in = Files.newBufferedReader(SystemDefinition.load().root().resolve(".github/workflows/pipeline.yml"))) {
            return new Yaml().load(in);
        }
    }

    @SuppressWarnings("unchecked")
    private static List<String> runs(Map<String, Object> job) {
        List<String> out = new ArrayList<>();
        for (Map<String, Object> step : (List<Map<String, Object>>) job.get("steps")) {
            if (step.get("run") != null) {
                out.add(String.valueOf(step.get("run")));
            }
        }
        return out;
    }

    @Test
    void everyDeployStepIsTheRepositorysCommandAndRunsDryAgainstTheRenderedOverlays() throws Exception {
        Map<String, Object> jobs = map(pipeline(), "jobs");
        List<String> seen = new ArrayList<>();
        for (Map.Entry<String, Object> job : jobs.entrySet()) {
            for (String run : runs(map(jobs, job.getKey()))) {
                assertThat(run).as(job.getKey() + ": no kubectl by hand; ./switchboard deploy does it").doesNotContain("kubectl ");
                Matcher m = DEPLOY.matcher(run);
                while (m.find()) {
                    // As the runner's shell would expand it, then dry.
                    String line = m.group(0).replace("\"${GITHUB_SHA::12}\"", "0123456789ab")
                            .replace("\"$REGISTRY\"", "ghcr.io/acme").replace("\"${{ inputs.rollback }}\"", "prod");
                    List<String> args = new ArrayList<>(List.of(line.substring("./switchboard deploy ".length()).split(" +")));
                    args.add("--dry-run");
                    ByteArrayOutputStream out = new ByteArrayOutputStream();
                    ByteArrayOutputStream err = new ByteArrayOutputStream();
                    int exit = Deploy.command(args.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8),
                            new PrintStream(err, true, StandardCharsets.UTF_8));
                    assertThat(exit).as(job.getKey() + ": " + line + "\n" + err.toString(StandardCharsets.UTF_8)).isZero();
                    String plan = out.toString(StandardCharsets.UTF_8);
                    assertThat(plan).as(job.getKey() + ": " + line).contains("rollout status deployment/switchboard-discovery")
                            .contains("smoke test through");
                    if (m.group(1).equals("apply")) {
                        assertThat(plan).contains("apply -f");
                        assertThat(Files.readString(SystemDefinition.load().root().resolve("target/deploy")
                                .resolve(args.get(1)).resolve("01-discovery.yaml")))
                                .contains("image: ghcr.io/acme/switchboard/discovery:0123456789ab");
                    }
                    seen.add(job.getKey() + ": " + m.group(1) + " " + args.get(1));
                }
            }
        }
        assertThat(seen).contains("staging: apply staging", "prod: apply prod", "rollback: rollback prod");
    }

    @Test
    @SuppressWarnings("unchecked")
    void theTestJobUsesWhatItsRunnerHasAndDeploysNeverOverlapInOrder() throws Exception {
        Map<String, Object> pipeline = pipeline();
        assertThat(map(pipeline, "concurrency")).as("the pipeline's concurrency guard").isNotNull()
                .containsEntry("cancel-in-progress", false);
        Map<String, Object> jobs = map(pipeline, "jobs");

        String test = String.join("\n", runs(map(jobs, "test")));
        assertThat(test).as("the test job: the runner's chromium is a snap stand-in, nothing is apt-installed")
                .doesNotContain("apt-get install").doesNotContain("apt install")
                .contains("SWITCHBOARD_CHROME=").contains("SWITCHBOARD_CHROMEDRIVER=").contains("./switchboard test");

        String images = String.join("\n", runs(map(jobs, "images")));
        assertThat(images).contains("./switchboard deploy images").contains("--tag \"${GITHUB_SHA::12}\"");
        for (String service : SystemDefinition.load().services().keySet()) {
            assertThat(images).as("the images job pushes every service's image").contains(service);
        }

        for (String job : List.of("staging", "prod", "rollback")) {
            assertThat(map(map(jobs, job), "concurrency")).as(job + ": its own concurrency group").isNotNull()
                    .containsEntry("cancel-in-progress", false);
        }
        assertThat(map(jobs, "staging").get("needs")).isEqualTo("images");
        assertThat(map(jobs, "prod").get("needs")).isEqualTo("staging");
        assertThat(map(jobs, "prod").get("environment")).as("prod waits for a reviewer").isEqualTo("production");
    }
}
