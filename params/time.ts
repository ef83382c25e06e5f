/**
 * Time parameters of the query API, the pages and the CLI: RFC 3339
 * (nanoseconds kept), epoch milliseconds, and `now`, `now-1h` style relative
 * times. Times are bigint nanoseconds since the epoch, the resolution of
 * `DateTime64(9)`.
 *
 * @module
 */
import { clip, InvalidParamError } from "../sql/invalid_param.ts";
import type { TimeRange } from "../sql/time_range.ts";
import { UNIT_MS } from "./duration.ts";

const NS_PER_MS = 1_000_000n;
const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/;
const RELATIVE = /^now(?:([+-])(\d{1,9})(ms|s|m|h|d|w))?$/;
/** Latest instant `DateTime64(9)` holds (2262-04-11). */
const MAX_NS = 9_223_372_036_000_000_000n;

/** Options of {@linkcode parseTimeRange}. */
export interface TimeRangeOptions {
  /** The current time in epoch ms (tests pin it). Default `Date.now()`. */
  now?: number;
  /** Span used when `from` is missing. Default one hour. */
  defaultRangeMs?: number;
  /** Largest allowed `to - from`. Default 31 days. */
  maxRangeMs?: number;
}

/**
 * Parses one time parameter into nanoseconds since the epoch.
 *
 * @example
 * ```ts
 * import { parseTime } from "./time.ts";
 * const now = Date.UTC(2026, 0, 1);
 * console.assert(parseTime("now-1h", "from", now) === BigInt(now - 3_600_000) * 1_000_000n);
 * console.assert(parseTime("2026-01-01T00:00:00.000000001Z", "from", now) === BigInt(now) * 1_000_000n + 1n);
 * ```
 */
export function parseTime(text: string, param: string, now: number = Date.now()): bigint {
  const value = text.trim();
  let ns: bigint;
  const relative = RELATIVE.exec(value);
  if (relative) {
    const offset = relative[1] ? Number(relative[2]) * UNIT_MS[relative[3]] : 0;
    ns = BigInt(relative[1] === "-" ? now - offset : now + offset) * NS_PER_MS;
  } else if (/^\d{1,15}$/.test(value)) {
    ns = BigInt(value) * NS_PER_MS;
  } else {
    ns = parseRfc3339(value, param);
  }
  if (ns < 0n || ns > MAX_NS) throw new InvalidParamError(param, "time out of range");
  return ns;
}

function parseRfc3339(value: string, param: string): bigint {
  const m = RFC3339.exec(value);
  if (!m) {
    throw new InvalidParamError(
      param,
      `expected RFC 3339, epoch milliseconds or now-1h, got "${clip(value)}"`,
    );
  }
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(ms);
  if (
    check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59
  ) {
    throw new InvalidParamError(param, `not a valid date and time: "${clip(value)}"`);
  }
  let offsetMs = 0;
  if (m[8] !== "Z" && m[8] !== "z") {
    const sign = m[8][0] === "-" ? -1 : 1;
    offsetMs = sign * (Number(m[8].slice(1, 3)) * 60 + Number(m[8].slice(4, 6))) * 60_000;
  }
  const fraction = BigInt((m[7] ?? "").padEnd(9, "0") || "0");
  return BigInt(ms - offsetMs) * NS_PER_MS + fraction;
}

/**
 * Resolves `from`/`to` query parameters into a range: default the last hour,
 * `from` before `to`, span at most `maxRangeMs`.
 *
 * @example
 * ```ts
 * import { parseTimeRange } from "./time.ts";
 * const range = parseTimeRange({}, { now: 3_600_000 });
 * console.assert(range.fromNs === 0n && range.toNs === 3_600_000_000_000n);
 * ```
 */
export function parseTimeRange(
  query: { from?: string; to?: string },
  options: TimeRangeOptions = {},
): TimeRange {
  const now = options.now ?? Date.now();
  const maxRangeMs = options.maxRangeMs ?? 31 * 86_400_000;
  const toNs = query.to ? parseTime(query.to, "to", now) : BigInt(now) * NS_PER_MS;
  const fromNs = query.from
    ? parseTime(query.from, "from", now)
    : toNs - BigInt(options.defaultRangeMs ?? 3_600_000) * NS_PER_MS;
  if (fromNs > toNs) throw new InvalidParamError("from", 'must not be after "to"');
  if (toNs - fromNs > BigInt(maxRangeMs) * NS_PER_MS) {
    throw new InvalidParamError("from", `the range must not exceed ${formatSpan(maxRangeMs)}`);
  }
  return { fromNs: fromNs < 0n ? 0n : fromNs, toNs };
}

function formatSpan(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  return `${ms}ms`;
}
