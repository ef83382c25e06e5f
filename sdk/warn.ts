/**
 * The SDK's own warnings: printed once per message key and minute, never thrown.
 *
 * @module
 */

const lastWarned = new Map<string, number>();
const WARN_INTERVAL_MS = 60_000;

/** Where warnings go; tests replace it to capture them. */
export type WarnSink = (message: string) => void;

let sink: WarnSink = (message) => console.warn(message);

/**
 * Replaces the warning sink and returns the previous one (for tests).
 *
 * @example
 * ```ts
 * import { setWarnSink } from "./warn.ts";
 * const seen: string[] = [];
 * const previous = setWarnSink((m) => seen.push(m));
 * setWarnSink(previous);
 * ```
 */
export function setWarnSink(next: WarnSink): WarnSink {
  const previous = sink;
  sink = next;
  return previous;
}

/**
 * Prints `[tracehouse] message` unless the same `key` was warned about in the last minute.
 *
 * @example
 * ```ts
 * import { warn } from "./warn.ts";
 * warn("example", "Cannot reach the collector");
 * ```
 */
export function warn(key: string, message: string): void {
  const now = Date.now();
  const last = lastWarned.get(key);
  if (last !== undefined && now - last < WARN_INTERVAL_MS) return;
  lastWarned.set(key, now);
  try {
    sink(`[tracehouse] ${message}`);
  } catch {
    // a broken sink must not reach the app
  }
}

/**
 * Forgets which warnings were printed, so the next one prints again (for tests).
 *
 * @example
 * ```ts
 * import { resetWarnings } from "./warn.ts";
 * resetWarnings();
 * ```
 */
export function resetWarnings(): void {
  lastWarned.clear();
}
