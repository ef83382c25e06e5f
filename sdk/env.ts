/**
 * Runtime-neutral access to environment variables (Deno, Node, Bun).
 *
 * @module
 */

/** A snapshot of environment variables, name to value. */
export type EnvMap = Record<string, string | undefined>;

interface ProcessLike {
  env?: EnvMap;
}

interface DenoLike {
  env?: { toObject(): Record<string, string> };
}

/**
 * Reads every environment variable without throwing: on Deno without `--allow-env` the answer
 * is an empty map.
 *
 * @example
 * ```ts
 * import { readEnv } from "./env.ts";
 * const env = readEnv();
 * console.log(typeof env);
 * ```
 */
export function readEnv(): EnvMap {
  const g = globalThis as { Deno?: DenoLike; process?: ProcessLike };
  try {
    if (g.Deno?.env) return g.Deno.env.toObject();
  } catch {
    // no env permission: behave as if nothing is set
  }
  try {
    if (g.process?.env) return { ...g.process.env };
  } catch {
    // ignore
  }
  return {};
}

/**
 * Names the JavaScript runtime this code runs on.
 *
 * @example
 * ```ts
 * import { runtimeName } from "./env.ts";
 * console.log(runtimeName()); // "deno" here
 * ```
 */
export function runtimeName(): "deno" | "bun" | "node" | "unknown" {
  const g = globalThis as {
    Deno?: unknown;
    Bun?: unknown;
    process?: { versions?: { node?: string } };
  };
  if (g.Deno !== undefined) return "deno";
  if (g.Bun !== undefined) return "bun";
  if (g.process?.versions?.node) return "node";
  return "unknown";
}
