/**
 * How values read on a terminal: times in UTC or the local zone, durations
 * with units, ANSI colours only when asked for.
 *
 * @module
 */

/**
 * An RFC 3339 time from the API, shortened to milliseconds: `2026-12-01 12:00:00.123Z` in UTC,
 * with the zone offset when `local`.
 *
 * @example
 * ```ts
 * import { formatTime } from "./format.ts";
 * console.assert(formatTime("2026-12-01T12:00:00.123456789Z", false) === "2026-12-01 12:00:00.123Z");
 * ```
 */
export function formatTime(rfc3339: string, local: boolean): string {
  const date = new Date(rfc3339.replace(/(\.\d{3})\d+/, "$1"));
  if (Number.isNaN(date.getTime())) return rfc3339;
  if (!local) return date.toISOString().replace("T", " ");
  const offsetMin = -date.getTimezoneOffset();
  const shifted = new Date(date.getTime() + offsetMin * 60_000).toISOString().slice(0, 23);
  const sign = offsetMin < 0 ? "-" : "+";
  const abs = Math.abs(offsetMin);
  const zone = `${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${
    String(abs % 60).padStart(2, "0")
  }`;
  return `${shifted.replace("T", " ")}${zone}`;
}

/**
 * Nanoseconds as a short duration with a unit.
 *
 * @example
 * ```ts
 * import { formatDuration } from "./format.ts";
 * console.assert(formatDuration(1_500_000) === "1.50ms");
 * console.assert(formatDuration(2_000_000_000) === "2.00s");
 * ```
 */
export function formatDuration(ns: number | null | undefined): string {
  if (ns === null || ns === undefined || !Number.isFinite(ns)) return "-";
  if (ns < 1_000) return `${ns}ns`;
  if (ns < 1_000_000) return `${(ns / 1_000).toFixed(2)}µs`;
  if (ns < 1_000_000_000) return `${(ns / 1_000_000).toFixed(2)}ms`;
  if (ns < 60_000_000_000) return `${(ns / 1_000_000_000).toFixed(2)}s`;
  return `${(ns / 60_000_000_000).toFixed(1)}m`;
}

/** ANSI styles; every function returns its input unchanged when colours are off. */
export interface Palette {
  red(text: string): string;
  yellow(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

/** A palette that colours when `enabled` (stdout is a TTY and `NO_COLOR` is unset). */
export function palette(enabled: boolean): Palette {
  const wrap = (open: number, close: number) => (text: string) =>
    enabled && text !== "" ? `\x1b[${open}m${text}\x1b[${close}m` : text;
  return { red: wrap(31, 39), yellow: wrap(33, 39), dim: wrap(2, 22), bold: wrap(1, 22) };
}

/** Visible width of `text`: ANSI escapes take no room. */
export function visibleLength(text: string): number {
  // deno-lint-ignore no-control-regex
  return [...text.replace(/\x1b\[[0-9;]*m/g, "")].length;
}
