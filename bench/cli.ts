/**
 * Command-line flags of the benchmarks: a flag that does not parse, or a count that is not a
 * whole number, ends the run with a message naming it and exit code 2, before any work.
 *
 * @module
 */
import { parseArgs, type ParseArgsConfig } from "node:util";

/**
 * `parseArgs` from `node:util`, with its errors (unknown flag, missing value) as a message and
 * exit code 2 instead of an uncaught exception.
 *
 * @example
 * ```ts
 * import { benchArgs } from "./cli.ts";
 * const { values } = benchArgs({ args: [], options: { rounds: { type: "string", default: "3" } } });
 * console.assert(values.rounds === "3");
 * ```
 */
export function benchArgs<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    Deno.exit(2);
  }
}

/**
 * Reads flags that hold counts as numbers; any that is not a whole number of at least `min`
 * ends the run, naming every such flag.
 *
 * @example
 * ```ts
 * import { counts } from "./cli.ts";
 * const { rounds } = counts({ rounds: "3" }, ["rounds"]);
 * console.assert(rounds === 3);
 * ```
 */
export function counts<K extends string>(
  values: Partial<Record<K, unknown>>,
  names: readonly K[],
  min: Partial<Record<K, number>> = {},
): Record<K, number> {
  const numbers = {} as Record<K, number>;
  const bad: string[] = [];
  for (const name of names) {
    const n = Number(values[name]);
    const least = min[name] ?? 1;
    if (!Number.isInteger(n) || n < least) {
      bad.push(`--${name}=${values[name]} (expected a whole number, at least ${least})`);
    }
    numbers[name] = n;
  }
  if (bad.length > 0) {
    console.error(`Bad flags: ${bad.join("; ")}`);
    Deno.exit(2);
  }
  return numbers;
}
