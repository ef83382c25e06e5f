/**
 * Runs the SDK's Node and Bun test suites (`npm/tests/*.spec.mjs`, against the npm build) from
 * `deno test`, so one `deno test -A` covers all three runtimes. Installs `sdk/npm` dependencies
 * with `npm ci` when they are missing. Without npm/node the tests are skipped with a message,
 * unless `CI` is set, where they fail.
 */
import assert from "node:assert/strict";
import { buildNpm } from "./scripts/build_npm.ts";
import { assertExampleWorks } from "./test_support.ts";

const npmDir = new URL("./npm/", import.meta.url);
const SPECS = ["tests/frameworks.spec.mjs", "tests/core.spec.mjs"];
const CI = Boolean(Deno.env.get("CI"));

async function run(cmd: string, args: string[]): Promise<{ code: number; output: string }> {
  const out = await new Deno.Command(cmd, {
    args,
    cwd: npmDir,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const d = new TextDecoder();
  return { code: out.code, output: d.decode(out.stdout) + d.decode(out.stderr) };
}

async function available(cmd: string): Promise<boolean> {
  try {
    return (await run(cmd, ["--version"])).code === 0;
  } catch {
    return false;
  }
}

let prepared: Promise<boolean> | undefined;

/** Installs dependencies (if missing) and builds the npm package, once per test run. */
function prepare(): Promise<boolean> {
  prepared ??= (async () => {
    if (!(await available("node")) || !(await available("npm"))) {
      const message = "node/npm not found: cannot run the Node and Bun suites";
      if (CI) throw new Error(message);
      console.warn(`SKIPPED: ${message}`);
      return false;
    }
    try {
      await Deno.stat(new URL("node_modules/.package-lock.json", npmDir));
    } catch {
      const ci = await run("npm", ["ci", "--no-audit", "--no-fund"]);
      assert.equal(ci.code, 0, `npm ci failed:\n${ci.output}`);
    }
    await buildNpm({ pack: true });
    return true;
  })();
  return prepared;
}

/** A runtime that `npm ci` puts in `sdk/npm/node_modules/.bin`; undefined (or a CI failure) without it. */
async function installedRuntime(name: string): Promise<string | undefined> {
  const path = new URL(`node_modules/.bin/${name}`, npmDir).pathname;
  if (await available(path)) return path;
  const message = `${name} not installed in sdk/npm/node_modules (npm ci installs it)`;
  if (CI) throw new Error(message);
  console.warn(`SKIPPED: ${message}`);
  return undefined;
}

async function assertNodeSuitePasses(node: string): Promise<void> {
  const result = await run(node, [
    "--test",
    "--test-timeout=30000",
    "--test-reporter=spec",
    ...SPECS,
  ]);
  assert.equal(result.code, 0, `${node} --test failed:\n${result.output}`);
  assert.match(result.output, /pass 9/);
}

Deno.test("Node suite passes against the npm build", async () => {
  if (!(await prepare())) return;
  await assertNodeSuitePasses("node");
});

// The machine's Node 20 is past its end of life; the current LTS comes from npm (the `node`
// package), like Bun.
Deno.test("Node 24 LTS suite passes against the npm build", async () => {
  if (!(await prepare())) return;
  const node = await installedRuntime("node");
  if (node) await assertNodeSuitePasses(node);
});

Deno.test("Bun suite passes against the npm build", async () => {
  if (!(await prepare())) return;
  const bun = await installedRuntime("bun");
  if (!bun) return;
  const result = await run(bun, ["test", ...SPECS.map((s) => `./${s}`)]);
  assert.equal(result.code, 0, `bun test failed:\n${result.output}`);
  assert.match(result.output, / 9 pass/);
});

/** Copies the npm examples inside `sdk/npm` so `@tracehouse/sdk` resolves (self-reference). */
async function stageExamples(): Promise<URL> {
  const dir = new URL(".examples/", npmDir);
  await Deno.mkdir(dir, { recursive: true });
  for (const name of ["express.mjs", "fastify.mjs", "node_http.mjs", "hono_bun.mjs"]) {
    await Deno.copyFile(new URL(`./examples/${name}`, import.meta.url), new URL(name, dir));
  }
  return dir;
}

for (
  const [file, service] of [
    ["express.mjs", "example-express"],
    ["fastify.mjs", "example-fastify"],
    ["node_http.mjs", "example-node-http"],
  ]
) {
  Deno.test(`example on Node: ${file}`, async () => {
    if (!(await prepare())) return;
    const dir = await stageExamples();
    await assertExampleWorks("node", [file], dir, service);
  });
}

Deno.test("example on Bun: hono_bun.mjs", async () => {
  if (!(await prepare())) return;
  const bun = await installedRuntime("bun");
  if (!bun) return;
  const dir = await stageExamples();
  await assertExampleWorks(bun, ["hono_bun.mjs"], dir, "example-hono-bun");
});
