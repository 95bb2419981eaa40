// dist/ is committed so that `npm install ./clients/node` works from a clone with no build step. This compiles the
// sources afresh into a scratch directory and fails if any file differs from dist/: run `npm run build` and commit.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const fresh = mkdtempSync(join(tmpdir(), "switchboard-dist-"));
const files = (dir) => readdirSync(dir, { recursive: true, withFileTypes: true })
  .filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath ?? e.path, e.name))).sort();
try {
  execFileSync(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", join(root, "tsconfig.json"),
    "--outDir", fresh], { stdio: "inherit" });
  const committed = join(root, "dist");
  const want = files(fresh);
  const have = files(committed);
  const differ = [...new Set([...want, ...have])].filter((f) => !want.includes(f) || !have.includes(f)
    || readFileSync(join(fresh, f), "utf8") !== readFileSync(join(committed, f), "utf8"));
  if (differ.length > 0) {
    console.error(`dist/ does not match src/ (${differ.join(", ")}): run \`npm run build\` in clients/node and commit dist/`);
    process.exit(1);
  }
  console.log(`dist/ matches src/ (${want.length} files)`);
} finally {
  rmSync(fresh, { recursive: true, force: true });
}
