/**
 * Test support: a Python virtual environment outside the repository
 * (`${TRACEHOUSE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tracehouse}/venv`) with
 * `requirements.txt` installed, rebuilt when that file changes. Without `python3` the caller
 * skips, or fails when `CI` is set. `deno run -A tests/interop/python_venv.ts` builds it ahead
 * of the tests and prints the interpreter's path.
 *
 * @module
 */
import { join } from "node:path";
import { pythonAvailable, run } from "../../python/venv.ts";
import { cacheDir } from "../../testing/cache_dir.ts";

export { pythonAvailable };

const REQUIREMENTS = new URL("./requirements.txt", import.meta.url);

/** The venv directory. */
export function venvDir(): string {
  return join(cacheDir(), "venv");
}

/** Creates or refreshes the venv; returns its `python` path. Throws with pip's output on failure. */
export async function ensureVenv(): Promise<string> {
  const dir = venvDir();
  const python = join(dir, "bin", "python");
  const requirements = await Deno.readTextFile(REQUIREMENTS);
  const stamp = join(dir, "tracehouse-requirements.txt");
  const installed = await Deno.readTextFile(stamp).catch(() => "");
  if (installed === requirements) return python;
  let result = await run("python3", ["-m", "venv", dir]);
  if (!result.ok) throw new Error(`Cannot create the Python venv in ${dir}:\n${result.output}`);
  result = await run(python, [
    "-m",
    "pip",
    "install",
    "--quiet",
    "--disable-pip-version-check",
    "-r",
    REQUIREMENTS.pathname,
  ]);
  if (!result.ok) throw new Error(`pip install -r requirements.txt failed:\n${result.output}`);
  await Deno.writeTextFile(stamp, requirements);
  return python;
}

if (import.meta.main) console.log(await ensureVenv());
