/**
 * The state every page reads from its URL: the time range (`from`, `to`, as
 * the API accepts them, plus `datetime-local` values read as UTC) and
 * auto-refresh.
 *
 * @module
 */
import { InvalidParamError } from "../../sql/invalid_param.ts";
import { parseTimeRange } from "../../params/time.ts";
import { type TimeRange, toRfc3339 } from "../../sql/time_range.ts";

/** Presets of the time picker: `from` values with `to=now`. */
export const PRESETS: readonly { from: string; label: string }[] = [
  { from: "now-5m", label: "Last 5 minutes" },
  { from: "now-15m", label: "Last 15 minutes" },
  { from: "now-1h", label: "Last hour" },
  { from: "now-3h", label: "Last 3 hours" },
  { from: "now-6h", label: "Last 6 hours" },
  { from: "now-24h", label: "Last 24 hours" },
  { from: "now-7d", label: "Last 7 days" },
];

/** Auto-refresh choices (`refresh` parameter). */
export const REFRESH_CHOICES: readonly string[] = ["", "5s", "10s", "30s", "1m", "5m"];

/** The time state of one request. */
export interface TimeState {
  /** `from` as written in the URL (default `now-1h`). */
  from: string;
  /** `to` as written in the URL (default `now`). */
  to: string;
  refresh: string;
  range: TimeRange;
  /** Resolved bounds, RFC 3339. */
  fromIso: string;
  toIso: string;
  /** Set when `from`/`to` were invalid and the default range was used. */
  error?: string;
}

const LOCAL = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?$/;

/** Reads a picker value: `datetime-local` values (no zone) are taken as UTC. */
export function normaliseTime(value: string): string {
  const v = value.trim();
  if (!LOCAL.test(v)) return v;
  return `${v.length === 16 ? `${v}:00` : v}Z`;
}

/** Parses the time state of a page from its query parameters. */
export function timeState(
  params: URLSearchParams,
  options: { now?: number; maxRangeHours?: number } = {},
): TimeState {
  const from = params.get("from")?.trim() || "now-1h";
  const to = params.get("to")?.trim() || "now";
  const refresh = REFRESH_CHOICES.includes(params.get("refresh") ?? "")
    ? params.get("refresh")!
    : "";
  const rangeOptions = {
    now: options.now,
    maxRangeMs: (options.maxRangeHours ?? 744) * 3_600_000,
  };
  let range: TimeRange;
  let error: string | undefined;
  try {
    range = parseTimeRange({ from: normaliseTime(from), to: normaliseTime(to) }, rangeOptions);
  } catch (e) {
    if (!(e instanceof InvalidParamError)) throw e;
    error = e.message;
    range = parseTimeRange({}, rangeOptions);
  }
  return {
    from,
    to,
    refresh,
    range,
    fromIso: toRfc3339(range.fromNs),
    toIso: toRfc3339(range.toNs),
    error,
  };
}

/** Length of a range in seconds (at least 1). */
export function rangeSeconds(range: TimeRange): number {
  return Math.max(1, Number((range.toNs - range.fromNs) / 1_000_000_000n));
}
