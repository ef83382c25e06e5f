/**
 * Test support for the `tracehouse` Python package: a virtual environment outside the repository
 * with `requirements-dev.txt` installed (rebuilt when that file or the Python version changes),
 * and the wheel + sdist built from `python/` with the PEP 517 backend, checked with `twine check`
 * and installed into that venv. Both are cached under `$TRACEHOUSE_CACHE`; the wheel is rebuilt
 * only when the package's sources change. `deno run -A python/venv.ts` prepares everything
 * ahead of the tests (CI does it in `.ci/setup.d/35-python-sdk.sh`) and prints the venv path.
 *
 * @module
 */
import { join } from "node:path";
import { cacheDir } from "../testing/cache_dir.ts";

const HERE = new URL("./", import.meta.url).pathname;
const REQUIREMENTS = join(HERE, "requirements-dev.txt");
/** Files whose content makes the wheel (a change rebuilds it). */
const PACKAGE_INPUTS = ["pyproject.toml", "README.md", "src/tracehouse"];

/** Output of one command. */
export interface RunResult {
  ok: boolean;
  output: string;
}

/** Runs a command, capturing stdout + stderr; never throws. */
export async function run(
  cmd: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<RunResult> {
  try {
    const out = await new Deno.Command(cmd, {
      args,
      cwd: options.cwd,
      env: options.env,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const decoder = new TextDecoder();
    return { ok: out.success, output: decoder.decode(out.stdout) + decoder.decode(out.stderr) };
  } catch (error) {
    return { ok: false, output: String(error) };
  }
}

/** Whether `python3` with `venv` and `ensurepip` exists on this machine. */
export async function pythonAvailable(): Promise<boolean> {
  return (await run("python3", ["-c", "import venv, ensurepip"])).ok;
}

async function sha256(parts: (string | Uint8Array)[]): Promise<string> {
  const chunks = parts.map((p) => typeof p === "string" ? new TextEncoder().encode(p) : p);
  const all = new Uint8Array(chunks.reduce((n, c) => n + c.length + 1, 0));
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.length + 1;
  }
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", all));
  return Array.from(digest.slice(0, 8), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function packageFiles(): Promise<string[]> {
  const files: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    const info = await Deno.stat(join(HERE, rel));
    if (info.isFile) {
      files.push(rel);
      return;
    }
    for await (const entry of Deno.readDir(join(HERE, rel))) {
      if (entry.name === "__pycache__" || entry.name.endsWith(".pyc")) continue;
      await walk(join(rel, entry.name));
    }
  };
  for (const input of PACKAGE_INPUTS) await walk(input);
  return files.sort();
}

/** A prepared environment: the venv's `python`, and the built wheel and sdist. */
export interface PythonSdkEnv {
  venv: string;
  python: string;
  wheel: string;
  sdist: string;
}

async function withLock<T>(path: string, fn: () => Promise<T>): Promise<T> {
  // Two test files may prepare the venv at once; an exclusive create is the lock.
  const deadline = Date.now() + 600_000;
  while (true) {
    try {
      await Deno.writeTextFile(path, String(Deno.pid), { createNew: true });
      break;
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
      const holder = Number(await Deno.readTextFile(path).catch(() => "0"));
      const alive = holder > 0 && (await run("kill", ["-0", String(holder)])).ok;
      if (!alive) await Deno.remove(path).catch(() => {});
      else if (Date.now() > deadline) throw new Error(`Cannot lock ${path}: held by ${holder}`);
      else await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    return await fn();
  } finally {
    await Deno.remove(path).catch(() => {});
  }
}

/**
 * Creates or refreshes the venv and the wheel, installs the wheel; returns the paths.
 * Throws with the failing tool's output.
 */
export async function ensurePythonSdk(): Promise<PythonSdkEnv> {
  const cache = cacheDir();
  await Deno.mkdir(cache, { recursive: true });
  return await withLock(join(cache, "python-sdk.lock"), async () => {
    const version = (await run("python3", ["--version"])).output.trim();
    const requirements = await Deno.readTextFile(REQUIREMENTS);
    const venv = join(cache, `python-sdk-venv-${await sha256([version, requirements])}`);
    const python = join(venv, "bin", "python");
    const complete = join(venv, ".complete");
    if (!(await exists(complete))) {
      await Deno.remove(venv, { recursive: true }).catch(() => {});
      let result = await run("python3", ["-m", "venv", venv]);
      if (!result.ok) throw new Error(`Cannot create the Python venv ${venv}:\n${result.output}`);
      result = await run(python, [
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "-r",
        REQUIREMENTS,
      ]);
      if (!result.ok) {
        throw new Error(`pip install -r requirements-dev.txt failed:\n${result.output}`);
      }
      await Deno.writeTextFile(complete, requirements);
    }

    const files = await packageFiles();
    const contents = await Promise.all(files.map((f) => Deno.readFile(join(HERE, f))));
    const sourceHash = await sha256([...files, ...contents.flatMap((c) => [c])]);
    const dist = join(cache, "python-sdk-wheels", sourceHash);
    if (!(await exists(join(dist, ".complete")))) {
      await Deno.remove(dist, { recursive: true }).catch(() => {});
      // --no-isolation: the pinned hatchling in the venv builds it, no download per build.
      let result = await run(python, ["-m", "build", "--no-isolation", "--outdir", dist, HERE]);
      if (!result.ok) throw new Error(`python -m build failed:\n${result.output}`);
      const built = await listDist(dist);
      result = await run(python, ["-m", "twine", "check", "--strict", built.wheel, built.sdist]);
      if (!result.ok) throw new Error(`twine check failed:\n${result.output}`);
      await Deno.writeTextFile(join(dist, ".complete"), sourceHash);
    }
    const { wheel, sdist } = await listDist(dist);
    const stamp = join(venv, ".tracehouse-wheel");
    if ((await Deno.readTextFile(stamp).catch(() => "")) !== wheel) {
      const result = await run(python, [
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-deps",
        "--force-reinstall",
        wheel,
      ]);
      if (!result.ok) throw new Error(`pip install of ${wheel} failed:\n${result.output}`);
      const check = await run(python, ["-m", "pip", "check"]);
      if (!check.ok) {
        throw new Error(`pip check after installing the wheel failed:\n${check.output}`);
      }
      await Deno.writeTextFile(stamp, wheel);
    }
    return { venv, python, wheel, sdist };
  });
}

async function listDist(dist: string): Promise<{ wheel: string; sdist: string }> {
  let wheel = "";
  let sdist = "";
  for await (const entry of Deno.readDir(dist)) {
    if (entry.name.endsWith(".whl")) wheel = join(dist, entry.name);
    if (entry.name.endsWith(".tar.gz")) sdist = join(dist, entry.name);
  }
  if (!wheel || !sdist) throw new Error(`No wheel and sdist in ${dist}`);
  return { wheel, sdist };
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

if (import.meta.main) console.log((await ensurePythonSdk()).venv);
