/**
 * The Python SDK's own gate, run by `deno task test`: builds the wheel and sdist (`twine check`),
 * installs the wheel into the cached venv, then runs ruff (lint + format check), strict mypy and
 * pytest (tests and doctests against the INSTALLED wheel, not the sources). Without `python3` it
 * skips, or fails when `CI` is set.
 */
import { deepStrictEqual, ok } from "node:assert/strict";
import { join } from "node:path";
import { ensurePythonSdk, pythonAvailable, run } from "./venv.ts";

const HERE = new URL("./", import.meta.url).pathname;
const hasPython = await pythonAvailable();
if (!hasPython && Deno.env.get("CI")) {
  throw new Error("python3 with venv is required when CI is set");
}
if (!hasPython) console.warn("python/python_test.ts: python3 not found, skipping");

function bin(venv: string, tool: string): string {
  return join(venv, "bin", tool);
}

Deno.test({
  name:
    "python sdk: wheel and sdist build, pass twine check, and carry the TypeScript SDK's version",
  ignore: !hasPython,
  async fn() {
    const env = await ensurePythonSdk();
    const sdk = JSON.parse(await Deno.readTextFile(join(HERE, "../sdk/deno.json")));
    const pyproject = await Deno.readTextFile(join(HERE, "pyproject.toml"));
    const version = /^version = "([^"]+)"/m.exec(pyproject)?.[1];
    deepStrictEqual(version, sdk.version, "pyproject.toml and sdk/deno.json versions differ");
    ok(env.wheel.endsWith(`tracehouse-${sdk.version}-py3-none-any.whl`), env.wheel);
    ok(env.sdist.endsWith(`tracehouse-${sdk.version}.tar.gz`), env.sdist);
    const installed = await run(env.python, [
      "-c",
      "import importlib.metadata as m, tracehouse, pathlib; " +
      "print(tracehouse.__version__, m.version('tracehouse'), " +
      "(pathlib.Path(tracehouse.__file__).parent / 'py.typed').exists(), tracehouse.__file__)",
    ], { cwd: "/" });
    ok(installed.ok, installed.output);
    const [moduleVersion, distVersion, typed, file] = installed.output.trim().split(" ");
    deepStrictEqual([moduleVersion, distVersion, typed], [sdk.version, sdk.version, "True"]);
    ok(file.includes("site-packages"), `tracehouse imported from ${file}, not the installed wheel`);
    const listing = await run(env.python, [
      "-c",
      "import sys, zipfile; n = zipfile.ZipFile(sys.argv[1]).namelist(); print('\\n'.join(n))",
      env.wheel,
    ]);
    ok(listing.output.includes("tracehouse/py.typed"), listing.output);
    ok(!listing.output.includes("tests/"), `tests packed into the wheel:\n${listing.output}`);
    const metadata = await run(env.python, [
      "-c",
      "import importlib.metadata as m; print('\\n'.join(m.requires('tracehouse')))",
    ], { cwd: "/" });
    ok(/^flask>=\S+; extra == .flask./m.test(metadata.output), metadata.output);
    ok(/^opentelemetry-util-http==\S+$/m.test(metadata.output), metadata.output);
    ok(!/^opentelemetry-instrumentation-flask/m.test(metadata.output), metadata.output);
    ok(/opentelemetry-instrumentation-fastapi==\S+; extra == .fastapi./.test(metadata.output));
    ok(!/^flask/m.test(metadata.output.split("\n").filter((l) => !l.includes("extra")).join("\n")));
  },
});

Deno.test({
  name: "python sdk: ruff lint and format check",
  ignore: !hasPython,
  async fn() {
    const env = await ensurePythonSdk();
    const lint = await run(bin(env.venv, "ruff"), ["check", "--no-cache", "src", "tests"], {
      cwd: HERE,
    });
    ok(lint.ok, `ruff check:\n${lint.output}`);
    const format = await run(bin(env.venv, "ruff"), [
      "format",
      "--no-cache",
      "--check",
      "src",
      "tests",
    ], {
      cwd: HERE,
    });
    ok(format.ok, `ruff format --check:\n${format.output}`);
  },
});

Deno.test({
  name: "python sdk: strict mypy",
  ignore: !hasPython,
  async fn() {
    const env = await ensurePythonSdk();
    const cacheDir = join(env.venv, ".mypy_cache");
    const result = await run(bin(env.venv, "mypy"), ["--cache-dir", cacheDir], { cwd: HERE });
    ok(result.ok, `mypy --strict:\n${result.output}`);
  },
});

Deno.test({
  name: "python sdk: pytest against the installed wheel (tests and doctests)",
  ignore: !hasPython,
  async fn() {
    const env = await ensurePythonSdk();
    const site = await run(env.python, [
      "-c",
      "import tracehouse, pathlib; print(pathlib.Path(tracehouse.__file__).parent)",
    ], { cwd: "/" });
    ok(site.ok, site.output);
    const result = await run(env.python, [
      "-m",
      "pytest",
      "-q",
      "-p",
      "no:cacheprovider",
      "tests",
      "--doctest-modules",
      site.output.trim(),
    ], { cwd: HERE, env: { PYTHONDONTWRITEBYTECODE: "1" } });
    ok(result.ok, `pytest:\n${result.output}`);
    ok(/\d+ passed/.test(result.output), result.output);
    console.log(result.output.trim().split("\n").at(-1));
  },
});
