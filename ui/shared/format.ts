/**
 * Formatting shared by pages (server) and islands (browser): durations,
 * times, rates, service colours.
 *
 * @example
 * ```ts
 * import { formatDuration } from "./format.ts";
 * console.assert(formatDuration(1_500_000) === "1.50 ms");
 * ```
 *
 * @module
 */

/** Formats nanoseconds as `850 µs`, `1.50 ms`, `2.31 s`, `3m 05s`. */
export function formatDuration(ns: number): string {
  if (!Number.isFinite(ns)) return "–";
  if (ns < 1_000) return `${Math.round(ns)} ns`;
  if (ns < 1_000_000) return `${trim(ns / 1_000)} µs`;
  if (ns < 1_000_000_000) return `${trim(ns / 1_000_000)} ms`;
  if (ns < 60_000_000_000) return `${trim(ns / 1_000_000_000)} s`;
  const s = Math.round(ns / 1_000_000_000);
  return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
}

function trim(value: number): string {
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

/** Formats a count with thousands separators (`12,345`). */
export function formatCount(n: number): string {
  return Math.round(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** Formats a per-second rate: `0.25/s`, `12.3/s`, `1,204/s`. */
export function formatRate(perSecond: number): string {
  if (perSecond === 0) return "0/s";
  if (perSecond < 10) return `${perSecond.toFixed(2)}/s`;
  if (perSecond < 100) return `${perSecond.toFixed(1)}/s`;
  return `${formatCount(perSecond)}/s`;
}

/** Formats a ratio as a percentage: `0 %`, `0.97 %`, `12.5 %`. */
export function formatPercent(ratio: number): string {
  const p = ratio * 100;
  if (p === 0) return "0 %";
  return `${p < 10 ? p.toFixed(2) : p.toFixed(1)} %`;
}

/** Formats an RFC 3339 time as `2026-11-25 14:03:07.123` (UTC). */
export function formatTime(rfc3339: string): string {
  return rfc3339.replace("T", " ").replace(/(\.\d{3})\d*Z$/, "$1");
}

/** Formats a number for a chart axis or legend: `0.25`, `12.5`, `1.2k`, `3.4M`. */
export function formatValue(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "–";
  const a = Math.abs(v);
  if (a >= 1e9) return `${(v / 1e9).toFixed(1)}G`;
  if (a >= 1e6) return `${(v / 1e6).toFixed(1)}M`;
  if (a >= 1e4) return `${(v / 1e3).toFixed(1)}k`;
  if (a >= 100) return v.toFixed(0);
  if (a >= 1) return v.toFixed(2).replace(/\.?0+$/, "");
  return v.toPrecision(2);
}

/** A stable colour for a service name (hue from a string hash; CSS `hsl`). */
export function serviceColor(name: string): string {
  let hash = 2166136261;
  for (let i = 0; i < name.length; i++) {
    hash ^= name.charCodeAt(i);
    hash = Math.imul(hash, 16777619);
  }
  const hue = (hash >>> 0) % 360;
  return `hsl(${hue} 62% 52%)`;
}

/** Severity class of a log `SeverityNumber` (1–24): `trace` … `fatal`. */
export function severityClass(n: number): string {
  if (n >= 21) return "fatal";
  if (n >= 17) return "error";
  if (n >= 13) return "warn";
  if (n >= 9) return "info";
  if (n >= 5) return "debug";
  return "trace";
}

/** Nanoseconds between two RFC 3339 times with nanosecond fractions (`b - a`). */
export function nsBetween(a: string, b: string): number {
  return Number(nsOf(b) - nsOf(a));
}

/** Nanoseconds since the epoch of an RFC 3339 UTC time with up to 9 fraction digits. */
export function nsOf(rfc3339: string): bigint {
  const m = /^(.*?)(?:\.(\d+))?Z$/.exec(rfc3339);
  if (!m) return BigInt(Date.parse(rfc3339)) * 1_000_000n;
  const ms = Date.parse(`${m[1]}Z`);
  return BigInt(ms) * 1_000_000n + BigInt((m[2] ?? "").padEnd(9, "0").slice(0, 9) || "0");
}
