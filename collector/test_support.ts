/**
 * Helpers for the collector tests: run a toolchain command, and decide whether a test that needs
 * a missing toolchain is skipped (locally) or fails loudly (in CI, where `CI` is set).
 *
 * @module
 */

/** The result of {@linkcode run}. */
export interface RunResult {
  /** Exit code. */
  code: number;
  /** Standard output and standard error, decoded. */
  output: string;
  /** Standard output alone, decoded. */
  stdout: string;
}

/** The collector directory (this file's folder), as a path. */
export const COLLECTOR_DIR: string = new URL(".", import.meta.url).pathname;

/**
 * Runs a command to completion and returns its exit code and combined output.
 *
 * @example
 * ```ts
 * import { run } from "./test_support.ts";
 * const { code } = await run("true", []);
 * ```
 */
export async function run(
  cmd: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; clearEnv?: boolean } = {},
): Promise<RunResult> {
  const out = await new Deno.Command(cmd, {
    args,
    cwd: options.cwd,
    env: options.env,
    clearEnv: options.clearEnv,
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).output();
  const dec = new TextDecoder();
  const stdout = dec.decode(out.stdout);
  return { code: out.code, output: stdout + dec.decode(out.stderr), stdout };
}

/** Throws an error that carries the command's output when it did not exit 0. */
export function assertSuccess(what: string, result: RunResult): void {
  if (result.code !== 0) {
    throw new Error(`${what} exited with code ${result.code}:\n${result.output}`);
  }
}

/**
 * Whether `cmd` can be started. When it cannot and `CI` is set, throws: CI must have every
 * toolchain. Otherwise prints why the dependent tests are skipped and returns false.
 */
export async function requireTool(cmd: string, versionArgs: string[]): Promise<boolean> {
  try {
    await run(cmd, versionArgs);
    return true;
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
    if (Deno.env.get("CI")) {
      throw new Error(`Cannot run the collector tests: "${cmd}" is not installed (CI is set)`);
    }
    console.warn(`SKIP collector tests that need "${cmd}": it is not installed`);
    return false;
  }
}
