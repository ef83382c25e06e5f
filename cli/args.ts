/**
 * Flag parsing for CLI commands: `node:util`'s strict `parseArgs` plus the
 * options every command shares (server, output, time), with every failure a
 * {@linkcode UsageError} that names the flag.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { InvalidParamError } from "../sql/invalid_param.ts";
import { parseDuration } from "../params/duration.ts";
import { parseTime } from "../params/time.ts";
import { toRfc3339 } from "../sql/time_range.ts";
import { UsageError } from "./errors.ts";

/** One flag of a command, as `parseArgs` takes it, plus its help line. */
export interface FlagSpec {
  type: "string" | "boolean";
  short?: string;
  multiple?: boolean;
  /** Value placeholder in help, e.g. `<duration>`. */
  value?: string;
  description: string;
}

/** Flags of every API command: where the server is and how to print. */
export const COMMON_FLAGS: Record<string, FlagSpec> = {
  url: {
    type: "string",
    value: "<url>",
    description: "Tracehouse base URL [$TRACEHOUSE_URL or http://127.0.0.1:8080]",
  },
  "token-file": {
    type: "string",
    value: "<path>",
    description: "file holding the API token [$TRACEHOUSE_QUERY_TOKEN]",
  },
  output: {
    type: "string",
    short: "o",
    value: "table|json|ndjson|csv",
    description: "output format [table]",
  },
  local: { type: "boolean", description: "print times in the local time zone, not UTC" },
  archive: {
    type: "boolean",
    description: "read the Parquet archive (/api/archive) instead of the tables",
  },
  "fail-empty": { type: "boolean", description: "exit 1 when there are no results" },
  help: { type: "boolean", short: "h", description: "show this help" },
};

/** Flags of commands over a time range. */
export const TIME_FLAGS: Record<string, FlagSpec> = {
  since: {
    type: "string",
    value: "<duration>",
    description: "from this long ago until now, e.g. 15m, 2h, 7d [1h]",
  },
  from: { type: "string", value: "<time>", description: "start: RFC 3339, epoch ms or now-2h" },
  to: { type: "string", value: "<time>", description: "end: RFC 3339, epoch ms or now [now]" },
};

/** Parsed flags: strings, booleans and lists of strings keyed by flag name. */
export type Flags = Record<string, string | boolean | string[] | undefined>;

/** Parses `argv` against `specs`; unknown flags and missing values are usage errors. */
export function parseFlags(
  argv: readonly string[],
  specs: Record<string, FlagSpec>,
): { flags: Flags; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: Object.fromEntries(
        Object.entries(specs).map(([name, s]) => [
          name,
          {
            type: s.type,
            ...(s.short ? { short: s.short } : {}),
            ...(s.multiple ? { multiple: true } : {}),
          },
        ]),
      ),
    });
    return { flags: values as Flags, positionals };
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/\. To specify.*$/s, ""));
  }
}

/** The string value of `flag`, or `undefined`. */
export function stringFlag(flags: Flags, flag: string): string | undefined {
  const value = flags[flag];
  return typeof value === "string" ? value : undefined;
}

/** The values of a repeatable flag (empty when absent). */
export function listFlag(flags: Flags, flag: string): string[] {
  const value = flags[flag];
  return Array.isArray(value) ? value : typeof value === "string" ? [value] : [];
}

/**
 * A whole number flag between `min` and `max`, or `fallback` when absent.
 *
 * @example
 * ```ts
 * import { intFlag } from "./args.ts";
 * console.assert(intFlag({ limit: "20" }, "limit", { min: 1, max: 100, fallback: 50 }) === 20);
 * ```
 */
export function intFlag(
  flags: Flags,
  flag: string,
  { min, max, fallback }: { min: number; max: number; fallback: number },
): number {
  const raw = stringFlag(flags, flag);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < min || n > max) {
    throw new UsageError(
      `Invalid --${flag} "${raw}": expected a whole number from ${min} to ${max}`,
    );
  }
  return n;
}

/** One of `choices`, or `fallback` when absent. */
export function choiceFlag<T extends string>(
  flags: Flags,
  flag: string,
  choices: readonly T[],
  fallback: T,
): T {
  const raw = stringFlag(flags, flag);
  if (raw === undefined) return fallback;
  if (!(choices as readonly string[]).includes(raw)) {
    throw new UsageError(`Invalid --${flag} "${raw}": expected one of ${choices.join(", ")}`);
  }
  return raw as T;
}

/** A duration flag like `500ms` or `2s`, as milliseconds (`undefined` when absent). */
export function durationFlag(flags: Flags, flag: string): number | undefined {
  const raw = stringFlag(flags, flag);
  if (raw === undefined) return undefined;
  const match = /^(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d)$/.exec(raw.trim());
  if (!match) {
    throw new UsageError(`Invalid --${flag} "${raw}": expected a duration like 250ms, 2s or 1m`);
  }
  const unitMs: Record<string, number> = {
    ns: 1e-6,
    us: 1e-3,
    "µs": 1e-3,
    ms: 1,
    s: 1e3,
    m: 6e4,
    h: 3.6e6,
    d: 8.64e7,
  };
  return Number(match[1]) * unitMs[match[2]];
}

/**
 * The absolute time range of `--since` or `--from`/`--to`, as RFC 3339 strings, resolved once so
 * every page of a walk asks for the same range.
 *
 * @example
 * ```ts
 * import { timeRange } from "./args.ts";
 * const now = Date.parse("2026-12-01T12:00:00Z");
 * const { from, to } = timeRange({ since: "15m" }, now);
 * console.assert(from === "2026-12-01T11:45:00.000000000Z" && to === "2026-12-01T12:00:00.000000000Z");
 * ```
 */
export function timeRange(flags: Flags, now: number = Date.now()): { from: string; to: string } {
  const since = stringFlag(flags, "since");
  const fromText = stringFlag(flags, "from");
  const toText = stringFlag(flags, "to");
  if (since !== undefined && fromText !== undefined) {
    throw new UsageError("--since and --from exclude each other: give one");
  }
  try {
    const toNs = parseTime(toText ?? "now", "--to", now);
    let fromNs: bigint;
    if (since !== undefined) {
      fromNs = toNs - BigInt(parseDuration(since, "--since")) * 1_000_000n;
    } else {
      fromNs = parseTime(fromText ?? "now-1h", "--from", now);
    }
    if (fromNs >= toNs) throw new UsageError("The range is empty: --from must be before --to");
    return { from: toRfc3339(fromNs), to: toRfc3339(toNs) };
  } catch (error) {
    if (error instanceof InvalidParamError) {
      throw new UsageError(`Invalid ${error.param}: ${error.message.replace(/^[^:]*: /, "")}`);
    }
    throw error;
  }
}

/** `--attr key=value` flags as API parameters `attr.key=value`. */
export function attrParams(flags: Flags): [string, string][] {
  return listFlag(flags, "attr").map((pair) => {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new UsageError(`Invalid --attr "${pair}": expected key=value`);
    return [`attr.${pair.slice(0, eq)}`, pair.slice(eq + 1)];
  });
}
