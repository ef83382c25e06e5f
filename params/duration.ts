/**
 * Durations in request parameters and CLI flags: `250ms`, `90s`, `5m`, `1h`,
 * `7d`, `1w` for steps and windows, and for span-duration filters also integer
 * nanoseconds and `15us`. One parser for the API, the pages and the CLI.
 *
 * @module
 */
import { clip, InvalidParamError } from "../sql/invalid_param.ts";

/** Milliseconds per duration unit. */
export const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};
const DURATION = /^(\d{1,9})(ms|s|m|h|d|w)$/;
/** The forms {@linkcode parseDurationNs} reads (request schemas check with it). */
export const DURATION_NS: RegExp = /^(\d{1,19}|\d{1,9}(us|ms|s|m|h|d|w))$/;

/**
 * Parses a duration such as `90s`, `5m`, `1h`, `7d` into milliseconds.
 *
 * @example
 * ```ts
 * import { parseDuration } from "./duration.ts";
 * console.assert(parseDuration("5m", "step") === 300_000);
 * ```
 */
export function parseDuration(text: string, param: string): number {
  const match = DURATION.exec(text.trim());
  if (!match) {
    throw new InvalidParamError(
      param,
      `expected a duration like 30s, 5m, 1h or 7d, got "${clip(text)}"`,
    );
  }
  return Number(match[1]) * UNIT_MS[match[2]];
}

/**
 * Parses a span-duration filter into nanoseconds: integer nanoseconds, `15us`,
 * or any {@linkcode parseDuration} form.
 *
 * @example
 * ```ts
 * import { parseDurationNs } from "./duration.ts";
 * console.assert(parseDurationNs("250ms", "minDuration") === 250_000_000n);
 * console.assert(parseDurationNs("15us", "minDuration") === 15_000n);
 * console.assert(parseDurationNs("42", "minDuration") === 42n);
 * ```
 */
export function parseDurationNs(text: string, param: string): bigint {
  if (/^\d{1,19}$/.test(text)) return BigInt(text);
  if (/^\d{1,9}us$/.test(text)) return BigInt(text.slice(0, -2)) * 1000n;
  return BigInt(parseDuration(text, param)) * 1_000_000n;
}
