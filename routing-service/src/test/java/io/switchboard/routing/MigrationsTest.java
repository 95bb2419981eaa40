package io.switchboard.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Routing's schema migrations across a rolling update: while it rolls, replicas of the previous release run against
 * the schema the new one migrated to. So a released migration never changes (Flyway would refuse to start, and the
 * databases already ran it), and a migration after the last release only adds: new tables, new indexes, new
 * columns that are nullable or have a default. Dropping, renaming, retyping or re-keying waits for the release after
 * the one that stops using the old shape (expand, then contract).
 */
class MigrationsTest {
    private static final Path MIGRATIONS = Path.of("src/main/resources/db/migration");
    private static final Path RELEASED = Path.of("src/test/resources/migrations/released.txt");
    private static final List<Pattern> NOT_ADDITIVE = List.of(
            Pattern.compile("\\bdrop\\b"),
            Pattern.compile("\\brename\\b"),
            Pattern.compile("\\btype\\s+\\w+"),
            Pattern.compile("\\bprimary\\s+key\\b"),
            Pattern.compile("\\bset\\s+not\\s+null\\b"),
            Pattern.compile("\\badd\\s+column\\b[^;]*\\bnot\\s+null\\b(?![^;]*\\bdefault\\b)"));

    @Test
    void releasedMigrationsNeverChangeAndNewOnesOnlyAdd() throws Exception {
        List<String> released = new ArrayList<>();
        for (String line : Files.readAllLines(RELEASED)) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] parts = line.trim().split("\\s+");
            Path file = MIGRATIONS.resolve(parts[0]);
            assertThat(file).as("released migration " + parts[0] + " (databases ran it; it must stay)").exists();
            assertThat(sha256(file)).as(parts[0] + " was released: change nothing in it, add a new migration instead")
                    .isEqualTo(parts[1]);
            released.add(parts[0]);
        }
        try (Stream<Path> files = Files.list(MIGRATIONS)) {
            for (Path f : files.sorted().toList()) {
                if (!released.contains(f.getFileName().toString())) {
                    assertThat(notAdditive(Files.readString(f))).as(f.getFileName() + " runs while the previous release "
                            + "still does: it may only add (docs/deploy.md, \"Compatible releases\")").isEmpty();
                }
            }
        }
    }

    /** The check catches what broke a release mid-rollout before it existed: V3 re-keyed a table in place. */
    @Test
    void theAdditiveCheckCatchesReKeyingDroppingAndRetyping() throws IOException {
        assertThat(notAdditive(Files.readString(MIGRATIONS.resolve("V3__outcomes_by_caller.sql")))).isNotEmpty();
        assertThat(notAdditive("alter table t alter column c type bigint;")).isNotEmpty();
        assertThat(notAdditive("alter table t rename column a to b;")).isNotEmpty();
        assertThat(notAdditive("alter table t add column c text not null;")).isNotEmpty();
        assertThat(notAdditive("""
                -- a drop of nothing in a comment is fine
                create table version_outcomes (tenant text not null, n bigint not null default 0, primary key (tenant));
                alter table node_outcomes add column note text;
                alter table node_outcomes add column weight integer not null default 1;
                create index if not exists outcomes_by_window on node_outcomes (window_start);
                """)).isEmpty();
    }

    /** The statements of a migration that are not purely additive. */
    static List<String> notAdditive(String sql) {
        List<String> found = new ArrayList<>();
        String code = sql.replaceAll("--[^\\n]*", "").toLowerCase(java.util.Locale.ROOT);
        for (String statement : code.split(";")) {
            String s = statement.strip().replaceAll("\\s+", " ");
            boolean createTable = s.startsWith("create table");
            for (Pattern p : NOT_ADDITIVE) {
                if (p.matcher(s).find() && !(createTable && !p.pattern().contains("drop") && !p.pattern().contains("rename"))) {
                    found.add(s);
                    break;
                }
            }
        }
        return found;
    }

    private static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }
}
