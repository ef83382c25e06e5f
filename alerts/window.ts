/**
 * The time window a rule reads at an evaluation. Rollup-backed kinds (metric, service RED) read
 * whole minutes ending at the last complete minute, so a half-filled minute never looks like a
 * drop; raw-table kinds (log count, new error group) read up to the evaluation time.
 *
 * @module
 */
import type { TimeRange } from "../sql/time_range.ts";

const NS_PER_MS = 1_000_000n;

/**
 * `[end - window, end)` as a closed nanosecond range, `end` being `now` or, with `wholeMinutes`,
 * the start of the current minute.
 *
 * @example
 * ```ts
 * import { ruleWindow } from "./window.ts";
 * const w = ruleWindow(90_000, 60_000, true); // at 00:01:30, a 1-minute window
 * console.assert(w.fromNs === 0n && w.toNs === 59_999_999_999n);
 * ```
 */
export function ruleWindow(now: number, windowMs: number, wholeMinutes: boolean): TimeRange {
  const end = wholeMinutes ? Math.floor(now / 60_000) * 60_000 : now;
  return { fromNs: BigInt(end - windowMs) * NS_PER_MS, toNs: BigInt(end) * NS_PER_MS - 1n };
}
