/**
 * Time ranges as the query modules take them (bigint nanoseconds since the
 * epoch, the resolution of `DateTime64(9)`) and their text forms. Parsing
 * times from requests lives in `params/time.ts`.
 *
 * @module
 */
const NS_PER_MS = 1_000_000n;

/** A closed time interval in nanoseconds since the epoch. */
export interface TimeRange {
  fromNs: bigint;
  toNs: bigint;
}

/**
 * Formats nanoseconds as ClickHouse reads a `DateTime64(9)` parameter (UTC).
 *
 * @example
 * ```ts
 * import { toClickHouseTime } from "./time_range.ts";
 * console.assert(toClickHouseTime(1_000_000_001n) === "1970-01-01 00:00:01.000000001");
 * ```
 */
export function toClickHouseTime(ns: bigint): string {
  const ms = ns / NS_PER_MS;
  const iso = new Date(Number(ms)).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${
    (ns % 1_000_000_000n).toString().padStart(9, "0")
  }`;
}

/**
 * Formats nanoseconds (bigint or decimal string) as RFC 3339 with 9 digits.
 *
 * @example
 * ```ts
 * import { toRfc3339 } from "./time_range.ts";
 * console.assert(toRfc3339("1000000001") === "1970-01-01T00:00:01.000000001Z");
 * ```
 */
export function toRfc3339(ns: bigint | string): string {
  const value = typeof ns === "string" ? BigInt(ns) : ns;
  return `${toClickHouseTime(value).replace(" ", "T")}Z`;
}
