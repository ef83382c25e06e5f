/**
 * URL helpers shared by pages and islands: every view's state lives in its
 * query string, so links are shareable and back/forward work.
 *
 * @example
 * ```ts
 * import { withParams } from "./url.ts";
 * console.assert(withParams("/logs?from=now-1h&cursor=x", { q: "boom", cursor: null }) === "/logs?from=now-1h&q=boom");
 * ```
 *
 * @module
 */

/** `href` with `changes` applied: a string sets a parameter, `null` or `""` removes it. */
export function withParams(
  href: string,
  changes: Record<string, string | null | undefined>,
): string {
  const url = new URL(href, "http://x");
  for (const [key, value] of Object.entries(changes)) {
    if (value === null || value === undefined || value === "") url.searchParams.delete(key);
    else url.searchParams.set(key, value);
  }
  const search = url.searchParams.toString();
  return `${url.pathname}${search ? `?${search}` : ""}`;
}

/**
 * The parameters every page carries along: the time (`from`, `to`, `refresh`) and where the
 * data comes from (`archive=1`: the Parquet archive, docs/archiving.md).
 */
export const TIME_PARAMS = ["from", "to", "refresh", "archive"] as const;

/** Query string of the time parameters of `href` that are set, with a leading `?` (or ""). */
export function timeQuery(href: string): string {
  const url = new URL(href, "http://x");
  const kept = new URLSearchParams();
  for (const key of TIME_PARAMS) {
    const value = url.searchParams.get(key);
    if (value) kept.set(key, value);
  }
  const s = kept.toString();
  return s ? `?${s}` : "";
}
